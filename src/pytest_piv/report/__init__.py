"""Renderers: terminal lines, JSON and Markdown, from verdicts only."""
