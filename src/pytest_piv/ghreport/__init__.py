"""One GitHub job summary and capped annotations from the JSON the CI gates wrote.

Pure: :mod:`.gates` turns each gate's parsed JSON into a :class:`~.model.GateResult`,
:mod:`.annotations` orders, caps and escapes the workflow commands, :mod:`.summary`
renders the Markdown under GitHub's size cap. ``piv report github`` is the shell.
"""
