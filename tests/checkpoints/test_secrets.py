"""A planted-secrets corpus, scanned by the real detect-secrets.

The fake secrets are assembled from pieces so that this file itself holds none.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_piv import gitplumbing
from pytest_piv.checkpoints.secrets import Finding, scan_tree
from tests.checkpoints.conftest import Piv, git, refs

#: file name, content, the secret value that must never be printed, the detector named
CORPUS = [
    ("aws.py", 'key = "{}"\n', "AKIA" + "IOSFODNN7EXAMPLF", "AWS Access Key"),
    (
        "id_rsa",
        "-----BEGIN RSA " + "PRIVATE KEY-----\n{}\n-----END RSA " + "PRIVATE KEY-----\n",
        "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi",
        "Private Key",
    ),
    ("gh.py", 'token = "{}"\n', "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "GitHub Token"),
    (
        "slack.py",
        'hook = "{}"\n',
        "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "Slack Token",
    ),
    ("stripe.py", 'k = "{}"\n', "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "Stripe Access Key"),
    (
        "jwt.txt",
        "{}\n",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "JSON Web Token",
    ),
    (
        "db.py",
        'url = "postgres://admin:{}@db.example.com/prod"\n',
        "s3cr3t" + "Passw0rd",
        "Basic Auth Credentials",
    ),
    ("settings.py", 'password = "{}"\n', "hunter2" + "xyzQ9", "Secret Keyword"),
    ("twilio.py", 'sid = "{}"\n', "AC" + "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", "Twilio API Key"),
    (
        "mail.py",
        'k = "{}"\n',
        "SG." + "ngeVfQFYQlKU0ufo8x5d1A.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr",
        "SendGrid API Key",
    ),
    (
        ".npmrc",
        "//registry.npmjs.org/:_authToken={}\n",
        "npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "NPM tokens",
    ),
    ("gl.py", 'k = "{}"\n', "glpat-" + "a1B2c3D4e5F6g7H8i9J0", "GitLab Token"),
    (
        "bot.py",
        'k = "{}"\n',
        "MTk4NjIyNDgzNDcxOTI1MjQ4" + ".Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs",
        "Discord Bot Token",
    ),
]


@pytest.mark.parametrize(
    ("name", "template", "secret", "detector"), CORPUS, ids=[c[3] for c in CORPUS]
)
def test_every_planted_secret_blocks_the_checkpoint_without_printing_it(
    repo: Path, piv: Piv, name: str, template: str, secret: str, detector: str
) -> None:
    (repo / "lib").mkdir()
    (repo / "lib" / name).write_text("# config\n" + template.format(secret))
    head = git(repo, "rev-parse", "HEAD")
    code, out, err = piv("checkpoint", "--no-validate")
    assert code == 5
    assert f"piv: secret found: lib/{name}:2: {detector} (detect-secrets)" in err
    assert secret not in out + err
    assert refs(repo) == ["refs/piv/checkpoints/main/1"]
    assert git(repo, "rev-parse", "HEAD") == head
    data = piv.json("checkpoint", "--no-validate", code=5)
    assert data["exit_code"] == 5
    assert {"path": f"lib/{name}", "line": 2, "detector": detector} in data["secrets"]
    assert secret not in json.dumps(data)


def test_a_secret_listed_in_the_baseline_is_allowed(repo: Path, piv: Piv) -> None:
    secret = "AKIA" + "IOSFODNN7EXAMPLF"
    (repo / "known.py").write_text(f'key = "{secret}"\n')
    baseline = subprocess.run(
        [str(Path(sys.executable).parent / "detect-secrets"), "scan", "known.py"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (repo / ".secrets.baseline").write_text(baseline)
    code, _, err = piv("checkpoint", "--no-validate")
    assert code == 0, err
    (repo / "new.py").write_text(f'other = "{secret[:-1]}Q"\n')
    code, _, err = piv("checkpoint", "--no-validate")
    assert code == 5
    assert "new.py:1: AWS Access Key" in err
    assert "known.py" not in err


def test_the_scan_reads_the_snapshot_not_the_work_tree(opened: gitplumbing.Repo) -> None:
    root = opened.root
    (root / "late.py").write_text('password = "' + "hunter2" + 'xyzQ9"\n')
    trees = gitplumbing.working_trees(opened)
    (root / "late.py").write_text("clean = True\n")
    head_tree = git(root, "rev-parse", "HEAD^{tree}").strip()
    assert scan_tree(opened, trees.work, head_tree) == [Finding("late.py", 1, "Secret Keyword")]
    assert scan_tree(opened, gitplumbing.working_trees(opened).work, head_tree) == []
