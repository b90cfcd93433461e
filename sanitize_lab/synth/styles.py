"""Values and the contexts they leak in: :data:`TYPES`, :func:`fake`, :func:`surface` (the spellings
of one value), :data:`CONTEXTS` and :func:`render` (several writing styles per type: prose, chat,
email, config, ``.env``, YAML, JSON, code, logs, CLI flags, connection strings, ...).

Values come from each type's spec (:data:`sanitize.detectors.SPECS`, ``spec.fake``); only the
writing around them lives here.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from sanitize.detectors import SPECS
from sanitize.detectors.fakes import FIRST_NAMES, LAST_NAMES, ORG_WORDS, TLDS


def fake(type: str, rng: random.Random) -> str:
    """A valid value of scanner type ``type`` (canonical spelling: cards and IBANs without spaces)."""
    spec = SPECS.get(type)
    if spec is None:
        raise ValueError(f"unknown secret type {type!r}; known: {', '.join(TYPES)}")
    return spec.fake(rng)


def surface(type: str, value: str, rng: random.Random) -> tuple[str, str]:
    """One way people write ``value``: ``(text, format_name)`` -- cards and IBANs grouped or not."""
    if type == "credit_card":
        fmt = rng.choice(("plain", "spaces", "dashes"))
        if fmt == "plain":
            return value, fmt
        sep = " " if fmt == "spaces" else "-"
        groups = (4, 6, 5) if len(value) == 15 else (4, 6, 4) if len(value) == 14 else (4,) * 5
        out, i = [], 0
        for g in groups:
            if i < len(value):
                out.append(value[i : i + g])
            i += g
        return sep.join(out), fmt
    if type == "iban" and rng.random() < 0.5:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4)), "grouped"
    if type == "us_ssn" and rng.random() < 0.2:
        return value.replace("-", " "), "spaces"
    return value, ""


# --------------------------------------------------------------------------------------------------
# contexts: type -> style -> templates. {v} is the value (may appear twice: every occurrence is a
# label); {user} {host} {name} {first} {org} {db} {port} {date} {n} are filled with harmless values.

_KEY_ENV = {
    "aws_access_key_id": "AWS_ACCESS_KEY_ID",
    "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "github_token": "GITHUB_TOKEN",
    "gitlab_token": "GITLAB_TOKEN",
    "slack_token": "SLACK_BOT_TOKEN",
    "stripe_key": "STRIPE_SECRET_KEY",
    "openai_key": "OPENAI_API_KEY",
    "google_api_key": "GOOGLE_API_KEY",
    "sendgrid_key": "SENDGRID_API_KEY",
    "twilio_key": "TWILIO_API_KEY",
    "npm_token": "NPM_TOKEN",
    "azure_storage_key": "AZURE_STORAGE_KEY",
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "huggingface_token": "HF_TOKEN",
    "generic_secret": "API_SECRET",
    "jwt": "AUTH_TOKEN",
}
_KEY_PROSE = {
    "aws_access_key_id": "AWS access key",
    "aws_secret_access_key": "AWS secret access key",
    "github_token": "GitHub token",
    "gitlab_token": "GitLab token",
    "slack_token": "Slack bot token",
    "stripe_key": "Stripe secret key",
    "openai_key": "OpenAI key",
    "google_api_key": "Google Maps API key",
    "sendgrid_key": "SendGrid key",
    "twilio_key": "Twilio API key",
    "npm_token": "npm publish token",
    "azure_storage_key": "Azure storage account key",
    "telegram_bot_token": "Telegram bot token",
    "huggingface_token": "Hugging Face token",
    "generic_secret": "API secret",
    "jwt": "bearer token",
}


# values with no vendor prefix: only a keyword says what they are, so every context names one
_NO_PREFIX = frozenset({"aws_secret_access_key", "azure_storage_key", "generic_secret"})
# CLI spellings for keys that carry no vendor prefix (their keyword is the only context)
_CLI = {
    "aws_secret_access_key": "$ aws configure set aws_secret_access_key {v}",
    "azure_storage_key": "$ az storage blob list --account-name {user}store --account-key {v}",
    "telegram_bot_token": "$ curl https://api.telegram.org/bot{v}/getMe",
    "twilio_key": "$ twilio login --api-key {v} --api-secret-stdin",
    "generic_secret": "$ ./sync --api-key {v} --verbose",
}


def _token_contexts(t: str) -> dict[str, tuple[str, ...]]:
    env, prose = _KEY_ENV[t], _KEY_PROSE[t]
    low = env.lower()
    return {
        "prose": (
            f"For the record, the {prose} we used in staging is {{v}} and it should be rotated.",
            f"I pasted our {prose} ({{v}}) into the ticket by mistake, sorry.",
        ),
        "chat": (
            f"{{user}}: can you send me the {prose}?\n{{name}}: sure, here it is {{v}}\n{{user}}: thanks!",
            f"[{{date}}] <{{user}}> {prose}: {{v}}",
        ),
        "email": (
            f"Hi {{first}},\n\nAs requested, the {prose} is:\n\n{{v}}\n\nPlease keep it safe.\n\nBest,\n{{name}}",
        ),
        "env": (f"{env}={{v}}", f'export {env}="{{v}}"'),
        "yaml": (f"credentials:\n  {low}: {{v}}\n  region: eu-west-1", f"{low}: '{{v}}'"),
        "json": (f'{{{{"{low}": "{{v}}", "timeout": 30}}}}',),
        "code": (
            f'{low} = "{{v}}"  # TODO move to vault',
            f"const {low.upper()} = '{{v}}';",
            *(() if t in _NO_PREFIX else ('client = Client(token="{v}")\nclient.ping()',)),
        ),
        "log": (f"{{date}} DEBUG loaded settings {low}={{v}} from env",),
        "cli": (_CLI.get(t, "$ curl -H 'Authorization: Bearer {v}' https://api.{host}/v1/me"),),
    }


_PASSWORD_CONTEXTS: dict[str, tuple[str, ...]] = {
    "prose": (
        "My password is {v} in case you need to log in while I'm away.",
        "The password for the staging box is {v}, don't share it.",
        "I changed the wifi password to {v} yesterday.",
        "Her old passcode was {v} before the reset.",
        "Just use {v} as the password for now.",
    ),
    "chat": (
        "{user}: what's the admin password?\n{name}: password: {v}",
        "[{date}] <{user}> pw is {v}",
        "{user}: login is {first} / pass {v}",
    ),
    "email": (
        "Dear {first},\n\nYour temporary password is: {v}\nPlease change it after your first login.\n",
        "Username: {user}\nPassword: {v}\n\nRegards,\nIT Helpdesk",
    ),
    "env": ("DB_PASSWORD={v}", 'export PGPASSWORD="{v}"'),
    "yaml": ("database:\n  user: {user}\n  password: {v}\n  port: {port}", "smtp_pass: '{v}'"),
    "json": ('{{"username": "{user}", "password": "{v}", "remember": true}}',),
    "ini": ("[client]\nuser = {user}\npasswd = {v}",),
    "xml": ("<user>{user}</user>\n<password>{v}</password>", '<add key="DbPassword" value="{v}" />'),
    "code": (
        'conn = psycopg2.connect(host="{host}", user="{user}", password="{v}")',
        "db_pass = '{v}'",
        'login(username="{user}", pwd="{v}")',
    ),
    "log": ("{date} WARN auth failed for user={user} password={v} from web-2",),
    "cli": (
        "$ mysql -u {user} -p{v} -h {host}",
        "$ sshpass -p '{v}' ssh -l {user} {host}",
        "$ ./deploy.sh --user {user} --password={v}",
        "$ pg_dump --password {v} {db}",
    ),
    "url": (
        "DATABASE_URL=postgres://{user}:{v}@{host}:{port}/{db}",
        "mongodb+srv://{user}:{v}@cluster0.{host}/{db}?retryWrites=true",
        "git clone https://{user}:{v}@git.{host}/team/repo.git",
        "redis://:{v}@{host}:6379/0",
    ),
    "connstr": (
        "Server={host};Database={db};User Id={user};Password={v};",
        "jdbc:mysql://{host}:3306/{db}?user={user}&password={v}",
    ),
}

CONTEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "credit_card": {
        "prose": (
            "You can charge my card {v}, expiry 09/27.",
            "The company card number is {v} if the invoice bounces.",
        ),
        "chat": ("{user}: card number?\n{name}: {v} exp 11/26 cvc on the back",),
        "email": ("Hi {first},\n\nPlease bill the card ending below:\nCard: {v}\nName: {name}\n",),
        "json": ('{{"customer": "{user}", "card_number": "{v}", "amount": {n}}}',),
        "log": ("{date} ERROR payment declined pan={v} merchant={org}",),
        "csv": ("{first},{org},{v},{n}",),
        "code": ('test_card = "{v}"  # real one, remove before commit',),
    },
    "password": _PASSWORD_CONTEXTS,
    "private_key": {
        "file": ("{v}\n",),
        "email": ("{first}, here's the deploy key, don't lose it:\n\n{v}\n\nCheers",),
        "yaml": ("ssh:\n  host: {host}\n  key: |\n    {v}",),  # indentation is applied when rendering
        "env_escaped": ('PRIVATE_KEY="{v}"',),  # newlines written as \n
        "chat": ("{user}: paste the key\n{name}: ok\n{v}",),
    },
    "jwt": {
        **_token_contexts("jwt"),
        "header": ("GET /api/v2/orders HTTP/1.1\nHost: api.{host}\nAuthorization: Bearer {v}",),
        "json": ('{{"access_token": "{v}", "token_type": "Bearer", "expires_in": 3600}}',),
        "cookie": ("Set-Cookie: session={v}; Path=/; HttpOnly",),
        "url": ("https://app.{host}/callback?id_token={v}&state={n}",),
    },
    **{t: _token_contexts(t) for t in _KEY_ENV if t != "jwt"},
    "email": {
        "prose": ("You can reach me at {v} any time this week.",),
        "email": ("From: {name} <{v}>\nTo: team\nSubject: quarterly numbers",),
        "chat": ("{user}: what's your email?\n{name}: {v}",),
        "json": ('{{"id": {n}, "email": "{v}", "active": true}}',),
        "log": ("{date} INFO password reset requested for {v}",),
        "csv": ("{first},{v},{org}",),
        "code": ('ADMINS = [("{name}", "{v}")]',),
    },
    "phone": {
        "prose": ("Call me on {v} if anything breaks over the weekend.",),
        "email": ("Best regards,\n{name}\n{org} Ltd.\nTel: {v}",),
        "chat": ("{user}: whats ur number\n{name}: {v}",),
        "json": ('{{"name": "{name}", "phone": "{v}"}}',),
        "log": ("{date} INFO sms sent to {v} (2 segments)",),
        "csv": ("{first},{v},{org}",),
        "html": ('<a href="tel:{v}">{name}</a>',),
    },
    "iban": {
        "prose": ("Please wire the deposit to IBAN {v} by Friday.",),
        "email": ("Bank details:\nAccount holder: {name}\nIBAN: {v}\nBIC: DEUTDEFF",),
        "json": ('{{"beneficiary": "{name}", "iban": "{v}"}}',),
        "chat": ("{user}: send it to {v} thx",),
        "csv": ("{name};{v};{n}",),
    },
    "us_ssn": {
        "prose": ("My social security number is {v}, please keep it confidential.",),
        "form": ("Name: {name}\nSSN: {v}\nDOB: 04/12/1987",),
        "json": ('{{"name": "{name}", "ssn": "{v}"}}',),
        "chat": ("{user}: need your SSN for the form\n{name}: {v}",),
        "csv": ("{first},{v},{org}",),
    },
    "ip_address": {
        "log": ('{v} - - [10/Oct/2023:13:55:36 +0000] "GET /index.html HTTP/1.1" 200 2326',),
        "prose": ("The attacker connected from {v} twice last night.",),
        "config": ("server:\n  bind: {v}\n  port: {port}",),
        "code": ('ALLOWED_HOSTS = ["{v}"]',),
        "chat": ("{user}: whats the box ip\n{name}: {v}",),
    },
}
CONTEXTS["generic_secret"] = {
    **_token_contexts("generic_secret"),
    "yaml": ("oauth:\n  client_id: {user}-app\n  client_secret: {v}", "signing_secret: '{v}'"),
    "code": ('app.config["SECRET_KEY"] = "{v}"', 'api_key = "{v}"', "auth_token: str = '{v}'"),
    "json": ('{{"client_secret": "{v}", "redirect_uri": "https://{host}/cb"}}',),
    "cli": ("$ ./sync --api-key {v} --verbose", "$ export ACCESS_TOKEN={v}"),
    "url": ("https://{host}/oauth/callback#access_token={v}&token_type=bearer&expires_in=3600",),
}
CONTEXTS["azure_storage_key"] = {
    **_token_contexts("azure_storage_key"),
    "connstr": (
        "DefaultEndpointsProtocol=https;AccountName={user}store;AccountKey={v};EndpointSuffix=core.windows.net",
    ),
}
CONTEXTS["aws_access_key_id"] = {
    **_token_contexts("aws_access_key_id"),
    "credentials": ("[default]\naws_access_key_id = {v}\nregion = us-east-1",),
}
CONTEXTS["aws_secret_access_key"] = {
    **_token_contexts("aws_secret_access_key"),
    "credentials": ("[default]\naws_access_key_id = {akid}\naws_secret_access_key = {v}",),
}
# the planted types, in the spec table's order (the order is part of every seeded corpus)
TYPES: tuple[str, ...] = tuple(t for t in SPECS if t in CONTEXTS)
assert set(TYPES) == set(CONTEXTS), "a context for a type without a spec"

FILL: dict[str, Callable[[random.Random], str]] = {
    "user": lambda r: r.choice(FIRST_NAMES) + r.choice(("", "_dev", "ops", str(r.randint(1, 99)))),
    "first": lambda r: r.choice(FIRST_NAMES).capitalize(),
    "name": lambda r: f"{r.choice(FIRST_NAMES).capitalize()} {r.choice(LAST_NAMES).capitalize()}",
    "org": lambda r: r.choice(ORG_WORDS).capitalize(),
    "host": lambda r: f"{r.choice(('db', 'api', 'prod', 'svc'))}.{r.choice(ORG_WORDS)}.{r.choice(TLDS)}",
    "db": lambda r: r.choice(("orders", "users", "analytics", "billing")),
    "port": lambda r: str(r.choice((5432, 3306, 8080, 27017))),
    "date": lambda r: (
        f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
    ),
    "n": lambda r: str(r.randint(1, 9999)),
    "akid": lambda r: "",  # filled with a planted key id by render
}
FIELD = re.compile(r"\{(\w+)\}|\{\{|\}\}")


def render(
    type: str, value: str, rng: random.Random, style: str | None = None
) -> tuple[str, list[tuple[int, int, str]], str]:
    """Write ``value`` in one context of ``type``: ``(text, [(start, end, type), ...], style)``.

    The spans are every planted occurrence in ``text`` (the value, and for AWS credential files also
    the key id written next to the secret). ``style`` picks the context family (random when None).
    """
    styles = CONTEXTS[type]
    style = style if style is not None else rng.choice(sorted(styles))
    template = rng.choice(styles[style])
    if type == "private_key" and style == "yaml":
        value = value.replace("\n", "\n    ")
    if type == "private_key" and style == "env_escaped":
        value = value.replace("\n", "\\n")
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = length = 0
    for m in FIELD.finditer(template):
        out.append(template[pos : m.start()])
        length += m.start() - pos
        pos = m.end()
        token = m.group(0)
        if token in ("{{", "}}"):
            piece = token[0]
        elif m.group(1) == "v":
            piece = value
            spans.append((length, length + len(piece), type))
        elif m.group(1) == "akid":
            piece = fake("aws_access_key_id", rng)
            spans.append((length, length + len(piece), "aws_access_key_id"))
        else:
            piece = FILL[m.group(1)](rng)
        out.append(piece)
        length += len(piece)
    out.append(template[pos:])
    return "".join(out), spans, style
