"""Secrets never leave: one scan of every output surface for passwords and tokens in URLs.

An instance is used the way a person uses one, with a credential in every accepted place of a
URL: the database URL (a raw password with ``/ : #``, a percent-encoded one with ``@ %``, a
``password=`` query parameter), a git remote ``https://TOKEN@host``, an HTTP URL with a user
and password registered in place, and S3 and FTP URLs with keys that cannot be reached. Then
every surface is read: what each ``curate`` command prints (with ``--debug`` tracebacks),
what a tracked script prints and logs, reprs, ``describe()``, DataFrames, error messages,
the run's environment and log, validation reports, and the files ontolake writes
(``instance.json``, the cache, the user's config folder). No secret may appear in any
spelling, except the database password in the user's own settings file (mode 0600), where it
is kept so that later sessions connect.
"""

from __future__ import annotations

import http.server
import stat
import subprocess
import sys
import threading
from urllib.parse import quote, quote_plus

import pytest

TOKEN = "ghp_SCANTOKEN0001"
WEB_PASSWORD = "webPW/4:2"
S3_SECRET = "s3SECRETkey+/0"
FTP_PASSWORD = "ftpPW#9"
RAW_PASSWORD = "p/q:s#x?y"
ENCODED_PASSWORD = "s@c/r%t:#w"

DATABASES = {
    "sqlite": None,
    "raw": (RAW_PASSWORD, lambda owner: f"postgresql://{owner.name}:{RAW_PASSWORD}@{owner.place}"),
    "encoded": (
        ENCODED_PASSWORD,
        lambda owner: f"postgresql://{owner.name}:{quote(ENCODED_PASSWORD, safe='')}@{owner.place}",
    ),
    "query": (
        ENCODED_PASSWORD,
        lambda owner: (
            f"postgresql://{owner.name}@{owner.place}?password={quote(ENCODED_PASSWORD, safe='')}"
        ),
    ),
}

SCRIPT = """
import logging, sys
import ontolake as ol

logging.basicConfig(stream=sys.stderr)
logging.getLogger("ontolake").setLevel(logging.DEBUG)
ol.track()
reads = ol.Artifact("reads.fasta", key="raw/reads.fasta", description="reads").save()
web = ol.Artifact(sys.argv[1], description="from the web").save()
for url in sys.argv[2:]:
    try:
        ol.Artifact(url).save()
    except Exception as error:
        print("refused:", type(error).__name__, error)
for record in (reads, web, web.storage, ol.Run.filter().first()):
    print(repr(record))
    record.describe()
print(ol.Storage.filter().to_dataframe().to_string())
print(ol.Artifact.filter().to_dataframe().to_string())
print(repr(ol.settings), repr(ol.settings.last_instance()))
print(web.load().to_string())
ol.finish()
run = ol.Run.filter().first()
print(run.environment)
print(open(run.log_artifact.cache()).read() if run.log_artifact else "")
print(open(run.report_artifact.cache()).read() if run.report_artifact else "")
"""

SCHEMA = """\
ontolake_schema: 1
name: table
otype: DataFrame
features:
  - {name: sample, dtype: str}
"""


def spellings(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), quote(secret)}


@pytest.fixture
def web_table(tmp_path):
    """An HTTP server (accepting any credentials) serving ``table.csv``; yields its URL."""
    folder = tmp_path / "web"
    folder.mkdir()
    (folder / "table.csv").write_text("sample\ns1\ns2\n")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *arguments, **options):
            super().__init__(*arguments, directory=str(folder), **options)

        def log_message(self, *arguments):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        yield f"http://webuser:{quote(WEB_PASSWORD, safe='')}@127.0.0.1:{port}/table.csv"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("database", DATABASES)
def test_no_secret_reaches_any_output(curate_cli, web_table, request, database):
    secrets = [TOKEN, WEB_PASSWORD, S3_SECRET, FTP_PASSWORD]
    db_options: list[str] = []
    if DATABASES[database] is not None:
        password, write = DATABASES[database]
        owner = request.getfixturevalue("password_owner")(password)
        db_url = write(owner)
        db_options = ["--db", db_url]
        secrets.append(password)
    work = curate_cli.cwd
    env = {"GIT_CONFIG_GLOBAL": str(curate_cli.home / ".gitconfig")}
    for command in (
        ["init", "-q"],
        ["remote", "add", "origin", f"https://{TOKEN}@github.com/lab/repo.git"],
        ["-c", "user.email=a@b.c", "-c", "user.name=n", "commit", "-q", "--allow-empty", "-m", "x"],
    ):
        subprocess.run(["git", *command], cwd=work, check=True, env={**curate_cli.env, **env})
    (work / "reads.fasta").write_text(">r1\nACGT\n")
    (work / "table.yaml").write_text(SCHEMA)
    (work / "table.csv").write_text("sample\ns1\n")
    (work / "script.py").write_text(SCRIPT)
    unreachable = [
        f"s3://AKIAEXAMPLE:{quote(S3_SECRET, safe='')}@bucket/x.csv",
        f"ftp://user:{quote(FTP_PASSWORD, safe='')}@127.0.0.1:1/x.csv",
    ]
    shown: dict[str, str] = {}

    def run(*arguments: str, **extra: str) -> None:
        result = curate_cli(*arguments, **extra)
        shown[" ".join(arguments)] = result.stdout + result.stderr

    run("init", "--storage", "./lake", *db_options)
    script = subprocess.run(
        [sys.executable, "script.py", web_table, *unreachable],
        cwd=work,
        env=curate_cli.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert script.returncode == 0, script.stderr
    assert script.stdout.count("\nrefused:") >= len(unreachable) - 1, script.stdout
    shown["script"] = script.stdout + script.stderr
    for arguments in (
        ["info"],
        ["ls", "--all-versions"],
        ["search", "web"],
        ["load", "--key", "raw/reads.fasta"],
        ["lineage", "--key", "raw/reads.fasta"],
        ["doctor"],
        ["migrate"],
        ["ontology", "ls"],
        ["save", web_table, "--description", "again"],
        ["--debug", "save", unreachable[0]],
        ["--debug", "save", unreachable[1]],
        ["validate", "table.csv", "--schema", "table.yaml", "--report", "reports/table.json"],
        ["validate", "table.csv", "--schema", "table.yaml", "--format", "markdown"],
    ):
        run(*arguments)
    if db_options:
        run("info", ONTOLAKE_INSTANCE=db_options[1])
        run("--debug", "info", ONTOLAKE_INSTANCE=db_options[1].replace("@127.0.0.1", "@127.0.0.2"))
    written = [work / "lake" / ".ontolake" / "instance.json", work / "reports" / "table.json"]
    settings_file = curate_cli.home / ".config" / "ontolake" / "settings.json"
    written += [p for p in curate_cli.home.rglob("*") if p.is_file() and p != settings_file]
    # the database password is kept in one place: this user's settings, readable by them only
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600
    for path in written:
        shown[str(path)] = path.read_text(errors="replace")
    for where, text in shown.items():
        for secret in secrets:
            for spelling in spellings(secret):
                assert spelling not in text, f"{spelling!r} shown by {where}: {text}"
    assert "table.csv" in shown["ls --all-versions"]  # the in-place artifact is listed


SIGNED_QUERIES = {
    "aws": (
        "X-Amz-Credential=AKIAEXAMPLE&X-Amz-Security-Token=SIGNEDsession1"
        "&X-Amz-Signature=SIGNEDsig1"
    ),
    "token": "access_token=SIGNEDtoken2",
    "azure": "sv=2024-01-01&sig=SIGNEDsig3",
    "gcs": "GoogleAccessId=me&Expires=1&Signature=SIGNEDsig4",
}


@pytest.mark.parametrize("provider", SIGNED_QUERIES)
def test_a_signed_url_is_refused_before_its_secret_is_stored(curate_cli, web_table, provider):
    """A URL whose query carries a credential (a pre-signed link) would be registered in
    place with its query in the key: it is refused with a one-line error naming the
    parameters, the secret appears nowhere, and nothing is stored."""
    query = SIGNED_QUERIES[provider]
    url = web_table.replace("webuser:", "").split("@", 1)[-1]
    url = f"http://{url}?{query}"
    assert curate_cli("init", "--storage", "./lake").returncode == 0
    saved = curate_cli("save", url)
    assert saved.returncode == 2, saved.stdout + saved.stderr
    output = saved.stdout + saved.stderr
    assert "carries a credential in its query" in output and len(saved.stderr.splitlines()) == 1
    for secret in ("SIGNEDsession1", "SIGNEDsig1", "SIGNEDtoken2", "SIGNEDsig3", "SIGNEDsig4"):
        assert secret not in output
    listing = curate_cli("ls")
    assert listing.returncode == 0 and "table.csv" not in listing.stdout
