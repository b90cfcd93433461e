"""Pure predicates for the hard negatives of the format and vendor detectors: key names that are
public by design, operators or markup taken as a value, sequential or placeholder values,
encrypted material, symbol-only values, and a username inside a password span.

Each returns a bool and never logs or raises with the value.
"""

from __future__ import annotations

import functools
import itertools
import re

from .code_values import PASS_SENSES, is_code_text
from .filters import IDENT_CHARS, SECRET_NAME_WORDS

_COMPONENT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# (a word of the key, the word after it) pairs that make a key name public by design
_PUBLIC_PAIRS = frozenset(
    {("primary", "key"), ("foreign", "key"), ("bucket", "key"), ("partition", "key"), ("sort", "key"),
     ("hash", "key"), ("range", "key"), ("public", "key"), ("public", "token"), ("pub", "key"),
     ("csrf", "token"), ("xsrf", "token"), ("natural", "key"), ("schema", "key"), ("sequence", "key"),
     ("idempotency", "key"), ("cache", "key"), ("composite", "key"), ("unique", "key"), ("api", "version"),
     ("next", "token"), ("page", "token"), ("continuation", "token"), ("sync", "token"), ("pagination", "token"),
     ("websocket", "key"), ("socket", "key")}  # Sec-WebSocket-Key: a handshake nonce (RFC 6455)
)  # fmt: skip
_PUBLIC_TAILS = frozenset(
    {"id", "ids", "name", "names", "type", "types", "url", "uri", "endpoint", "path", "file", "length",
     "size", "count", "len", "alias", "version", "format", "prefix", "hash", "ref", "field", "label",
     "header", "param", "policy", "expiry", "expires", "ttl", "timeout", "mode", "enabled", "required",
     "regex", "regexp", "pattern", "validator", "validation", "rule", "rules", "hint", "placeholder", "prompt",
     "message", "msg", "text", "title", "description", "help", "error", "errors", "strength", "complexity",
     # about a key in code: credential_source, key_node, key_sha256, SignatureAlgorithmOID
     "source", "provider", "node", "nodes", "tag", "algorithm", "oid", "sha256", "sha1", "md5", "digest", "checksum",
     "dir", "dirs", "directory", "folder", "mgr", "manager", "handler"}
)  # fmt: skip
_PUBLIC_WORDS = frozenset({"keyboard", "keyword", "keywords", "keystroke", "monkey", "turkey", "tokenizer",
                           "tokens", "keys", "author", "authority", "passport", "compass", "bypass",
                           "publishable", "tokenize", "tokenized", "tokenizing", "tokenization"})  # fmt: skip


def key_words(identifier: str) -> list[str]:
    """``csrfToken`` -> ``["csrf", "token"]``, ``KEY_VAULT_NAME`` -> ``["key", "vault", "name"]``."""
    return [w.lower() for w in _COMPONENT.findall(identifier)]


@functools.lru_cache(maxsize=4096)  # a flood repeats one identifier: judge it once
def is_public_key_name(identifier: str) -> bool:
    """A key whose value is not a secret although it names one: ``primaryKey``, ``foreignKey``,
    ``bucket_key``, ``key_vault_name``, ``credentialId``, ``publicToken``, ``csrf-token``,
    ``token_type``, ``secret_name``..."""
    words = key_words(identifier)
    if not words:
        return False
    leaf = key_words(identifier.rsplit(".", 1)[-1]) if "." in identifier else words  # self.x.is_key_cached
    if any(w in _PUBLIC_WORDS for w in words) or leaf[:1] in (["is"], ["has"], ["use"], ["should"]):
        return True  # keyboard, bypass; is_key_cached, has_token, use_auth_token: a predicate or a switch
    if any(pair in _PUBLIC_PAIRS for pair in itertools.pairwise(words)):
        return True
    if SECRET_NAME_WORDS.intersection(words) == {"pass"} and PASS_SENSES.intersection(words):
        return True  # pre_grad_pass_timing, backward_pass_autocast, pass_zero, custom_pass: a compiler's pass
    last_secret = max((i for i, w in enumerate(words) if w in SECRET_NAME_WORDS), default=-1)
    # the key names something *about* the secret: credential_id, key_vault_name, secret_length, key_sha256
    tail = words[last_secret + 1 :]
    return last_secret >= 0 and any(
        w in _PUBLIC_TAILS for w in (*tail, *map("".join, itertools.pairwise(tail)))
    )


_OPERATOR_VALUE = re.compile(r"^(?:[:=<>!?|&+*/\\-]{1,4}|--?[a-z][\w-]{0,30})$")
_MARKUP = re.compile(
    r"&(?:quot|amp|lt|gt|apos|nbsp|#\d{1,6}|#x[0-9a-fA-F]{1,6});?|</?[A-Za-z][\w:-]{0,30}[\s/>]"
)


def is_operator_or_markup(value: str) -> bool:
    """``::=``, ``--digest``, ``&quot``, ``<title>``...: syntax taken as the value."""
    return bool(_OPERATOR_VALUE.match(value) or _MARKUP.search(value))


_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789abcdef", "qwertyuiop", "asdfghjkl", "zxcvbnm",
              "zyxwvutsrqponmlkjihgfedcba", "9876543210")  # fmt: skip


_BIGRAMS = frozenset(seq[i : i + 2] for seq in _SEQUENCES for i in range(len(seq) - 1))


def is_sequential(value: str) -> bool:
    """``abcdefghijklmnop``, ``1234567890``, ``qwertyuiop``: a run of 6+ characters in alphabet or
    keyboard order makes up at least half of the value (a placeholder someone typed)."""
    n = len(value)
    if n < 6:
        return False
    low = value.lower()
    # such a run is >= m consecutive sequential bigrams, so one of the bigrams at multiples of m lies
    # in it: most values fail this handful of lookups and skip the walk below
    m = max(5, (n + 1) // 2 - 1)
    if not any(low[i : i + 2] in _BIGRAMS for i in range(0, n - 1, m)):
        return False
    longest = run = 0
    for i in range(len(low) - 1):
        run = run + 1 if low[i : i + 2] in _BIGRAMS else 0
        longest = max(longest, run + 1)
    return longest >= 6 and longest * 2 >= len(value)


def is_filler(value: str) -> bool:
    """``xxxx``, ``####``, ``0000``, ``abab``: one or two distinct characters."""
    return len(set(value.lower())) <= 2


def is_symbols_only(value: str) -> bool:
    return not any(c.isalnum() for c in value)


_ENCRYPTED = re.compile(
    r"^(?:ENC\[[A-Z0-9_]{2,20},|ENC\(|\{cipher\}|vault:v\d+:|\$ANSIBLE_VAULT;|AgA[A-Za-z0-9+/]{40}|sops:)"
    r"|-----BEGIN ENCRYPTED|Proc-Type:\s*4,ENCRYPTED"
)


def is_encrypted(value: str) -> bool:
    """SOPS ``ENC[AES256_GCM,...]``, Jasypt ``ENC(...)``, Spring ``{cipher}``, Vault transit
    ``vault:v1:``, Ansible Vault, sealed-secrets ``AgA...``, encrypted PEM keys: safe to publish."""
    return bool(_ENCRYPTED.search(value))


# a password's one-way hash or a digest, not the password: modular crypt ($6$..., $2b$..., $argon2id$...),
# Django's pbkdf2_sha256$..., LDAP {SSHA}..., `sha256:<hex>` digests (container images, checksums)
_HASHED = re.compile(
    r"^(?:\$(?:1|2[abxy]?|5|6|7|y|gy|md5|sha1|argon2(?:id|i|d)|scrypt|pbkdf2(?:-sha\d{1,3})?)\$[^\s$]{1,64}\$\S{8,}"
    r"|(?:pbkdf2_sha\d{1,3}|bcrypt|argon2|scrypt)\$\S{8,}"
    r"|\{(?:SSHA|SHA|SMD5|MD5|CRYPT|SSHA256|SSHA512|PBKDF2[\w-]{0,20})\}\S{8,}"
    r"|(?:sha1|sha224|sha256|sha384|sha512|md5|blake2b)[:-][0-9a-fA-F]{32,128})$"
)


def is_password_hash(value: str) -> bool:
    """``$6$salt$...``, ``$2b$12$...``, ``pbkdf2_sha256$600000$...``, ``{SSHA}...``, ``sha256:<hex>``."""
    return bool(_HASHED.match(value))


# "user/pass: bob/VALUE", "login:password = bob:VALUE": a pair key, its value the pair written alike
_USER_WORDS = frozenset({"user", "username", "usr", "login", "uid", "email", "id", "name", "account"})


def pair_value_start(text: str, i: int, value: str, key: str = "") -> int:
    """Offset of the password inside ``value`` when the key before ``text[i:]`` is a user/password pair
    (``user/pass``, ``login:password``) and the value is one too (``bob/VALUE``, ``bob:VALUE``), or the key
    ``key`` names credentials (``credentials: bob:VALUE``, ``creds: admin/VALUE``, ``NEO4J_AUTH=neo4j/VALUE``), else 0:
    the username is not part of the secret."""
    low = key.lower()
    if low in _PAIR_KEYS or (low.endswith("_auth") and low.isidentifier()):  # NEO4J_AUTH=neo4j/VALUE
        m = _USER_COLON.match(value) or _USER_SLASH.match(value)
        return m.end() if m is not None and m.end() < len(value) else 0
    sep = text[i - 1] if i > 0 else ""  # the key is `user/pass`, `login:password`
    if sep not in ("/", ":"):
        return 0
    head = text[max(0, i - 17) : i - 1]
    word = head[len(head.rstrip(IDENT_CHARS)) :].lower()
    m = _USER_PAIR.match(value) if word in _USER_WORDS else None
    return m.end() if m is not None and m.end() < len(value) else 0


_PAIR_KEYS = frozenset(
    {"credentials", "credential", "creds", "userpass", "user_pass", "basic_auth", "basicauth"}
)
_USER_COLON = re.compile(r"[A-Za-z][\w.@+-]{0,63}:")  # bob:, svc.deploy:, alice@corp.test:
# admin/, svc.deploy/ -- lower case, and no second `/`: a token's own (wJalrXUtnFEMI/K7MDENG/...) must not split it
_USER_SLASH = re.compile(r"[a-z][a-z0-9_.@+-]{0,19}/(?=[^/]{1,200}\Z)")
_USER_PAIR = re.compile(r"[^\s:/]{1,64}[:/]")  # under a user/pass key: the first part, either separator


# YAML tags written where a value goes: core ``!!str``, Ansible ``!vault``, Home Assistant ``!secret``,
# CloudFormation ``!Ref`` / ``!Sub`` ..., GitLab ``!reference``: a reference or an encrypted block follows
_YAML_TAG = re.compile(
    r"^(?:!![A-Za-z]|!(?:vault|unsafe|secret|include|env_var|ENV|env|input|reference|Ref|Sub|GetAtt|ImportValue|Join"
    r"|Select|If|FindInMap|Base64|Split|Cidr|GetAZs|Transform|And|Equals|Not|Or|Condition)(?![A-Za-z0-9]))"
)


def is_yaml_tag(value: str) -> bool:
    """``!vault``, ``!secret``, ``!Ref``, ``!!python/name:getpass.getpass``: a YAML tag, not a value."""
    return bool(_YAML_TAG.match(value))


# a name in code, not a random token: snake_case of word parts (vision_feats, pkcs8_priv_key_info_st; not
# sk_live_a8f3k2q9) or a CamelCase run covered by spoken words of 3+ letters (a vowel, no four consonants running),
# acronyms, short numbers and versions, three words or more and 70% of the letters in them
# (Qwen2_5OmniPreTrainedModel, LayoutLMv3PreTrainedModel): random base62 is rarely covered so (a test measures it)
_SNAKE_NAME = re.compile(
    r"[a-z]{3,12}[0-9]{0,2}(?:_[a-z]{3,12}[0-9]{0,2})+|[a-z]{1,12}[0-9]{0,2}(?:_[a-z]{1,12}[0-9]{0,2}){2,}"
)
_CAMEL_PART = re.compile(
    r"(?P<w>[A-Z][a-z]{2,}|^[a-z]{3,})|[A-Z]{1,6}(?=[A-Z][a-z]|[0-9_]|v[0-9]|$)|[0-9]{1,3}|v[0-9]{1,2}|_"
)
_CONSONANT_RUN = re.compile(r"[^aeiouy_]{3,}")  # three or more: spoken only as English writes them
_CLUSTERS = frozenset({"ght", "str", "nch", "sch", "scr", "spr", "spl", "thr", "chr", "phr", "shr", "nst", "ntr", "ndr",
                       "mpl", "mpt", "rst", "rth", "lth", "nth", "rch", "tch", "ngs", "nds", "nts", "rds", "rts", "cts",
                       "pts", "lls", "nks", "ngth", "nstr", "ngst"})  # fmt: skip
_UNSPOKEN = re.compile(r"[^aeiouy]{4}|^[^aeiouy]+$", re.I)  # no vowel, or four consonants running: not a word


LITERAL = r"""(?:"[^"\n\\]{0,200}"|'[^'\n\\]{0,200}'|[\w.]{1,60})"""  # a quoted literal or a bare name
# `user, password = 'bob', 'V'`, `(user, pwd) = ("bob", "V")`: names unpacked from as many values, one line
TUPLE_ASSIGNMENT = re.compile(
    r"(?m)^[ \t]{0,40}\(?[ \t]{0,2}(?P<names>(?:[A-Za-z_][\w.]{0,40}[ \t]{0,2},[ \t]{0,2}){1,7}[A-Za-z_][\w.]{0,40})"
    rf"[ \t]{{0,2}}\)?[ \t]{{0,2}}=[ \t]{{0,2}}[(\[]?[ \t]{{0,2}}(?P<values>(?:{LITERAL}[ \t]{{0,2}},[ \t]{{0,2}}){{1,7}}{LITERAL})"
    r"[ \t]{0,2}[)\]]?[ \t]{0,2}(?:[;#\n]|//|\Z)"
)
_UNPACKED = re.compile(
    r"[ \t]{0,40}\(?[ \t]{0,2}(?:[A-Za-z_][\w.]{0,40}[ \t]{0,2},[ \t]{0,2}){1,8}"
)  # `user, `


def is_unpacked_target(text: str, i: int, quoted: bool = False) -> bool:
    """``username, password = V``: names and commas start the line of the key at ``i``, a tuple unpacked in
    code (its value is not the one after the ``=``); a ``quoted`` value only where the line is a whole
    :data:`TUPLE_ASSIGNMENT` (``host, user, password="V")`` continues a call's arguments)."""
    line = text.rfind("\n", max(0, i - 200), i) + 1  # bounded: a flood on one long line stays linear
    if i - line >= 200 or _UNPACKED.fullmatch(text, line, i) is None:
        return False
    return not quoted or TUPLE_ASSIGNMENT.match(text, line) is not None


# a CamelCase type name ending in a word that names a kind of thing: SecretStr, HiddenText, PositionalIndexer2D
_TYPE_NAME = re.compile(
    r"_?(?:[A-Z][a-z0-9]{0,20}){0,4}(?:Str|String|Bytes|Type|Text|Field|Dict|List|Kind|Indexer|Secret|Model|Config"
    r"|Settings|Info|Object|Handler|Manager|Provider|Like|Callable|Scalar|Array|Tensor)(?:[0-9]D)?"
)
_AFTER_TYPE = re.compile(r"[ \t]{0,2}(?:[,)=|\]]|\r?\n|\Z)")
_ANNOTATION = re.compile(r"[ \t]{0,2}(?:\|[ \t]{0,2}(?:None|[A-Za-z_][\w.]{0,40})\b|=[ \t]{0,2}None\b)")


_NEXT_TITLE_WORD = re.compile(r"[ \t]{1,3}[A-Za-z]{2,}\b")
_PARAMETER_END = re.compile(r"[ \t]{0,2}[,)\]]")


def is_title(text: str, i: int, s: int, e: int) -> bool:
    """A capitalised word ``text[s:e]`` after the key at ``i`` that another word follows ("Note [Functionalization
    Pass - Inplace View Ops]"), or inside a parameter list (``def f(pw: Split, red: Split)``): a title, a type."""
    value = text[s:e]
    if not (value.istitle() and value.isalpha()):
        return False
    if _NEXT_TITLE_WORD.match(text, e):
        return True
    lo = max(0, i - 120)
    return _PARAMETER_END.match(text, e) is not None and text.rfind("(", lo, i) > text.rfind("\n", lo, i)


def is_type_annotation(text: str, s: int, e: int) -> bool:
    """``password: SecretStr``, ``key: PositionalIndexer2D) ->``, ``password: HiddenText | None = None``: the
    bare value ``text[s:e]`` after a colon is a type that ends a parameter or a field, not a value."""
    if _ANNOTATION.match(text, e):
        return True
    while e > s and text[e - 1] in ",)]":  # the bare value ran on into the parameter list's punctuation
        e -= 1
    return _TYPE_NAME.fullmatch(text, s, e) is not None and _AFTER_TYPE.match(text, e) is not None


def is_code_identifier(value: str, words_needed: int = 3) -> bool:
    """``pkcs8_priv_key_info_st``, ``Qwen2_5OmniPreTrainedModel``: a name in code, not a random secret. A CamelCase
    name needs ``words_needed`` spoken words (fewer where the context already says "a name": a base class)."""
    # no language's names start with a digit: 1QoeZaqHra1 is random
    if len(value) > 80 or value[:1].isdigit():
        return False
    if _SNAKE_NAME.fullmatch(value):  # spoken parts: vowels (30%+), no three consonants running
        letters = re.sub(r"[_0-9]", "", value)
        vowels = sum(c in "aeiouy" for c in letters)
        runs = _CONSONANT_RUN.findall(re.sub(r"[0-9]", "", value))  # weight, strip, length: English clusters
        return 10 * vowels >= 3 * len(letters) and all(r in _CLUSTERS for r in runs)
    covered = words = letters = 0
    for m in _CAMEL_PART.finditer(value):
        if m.start() != covered:
            return False
        covered = m.end()
        if m.group("w"):
            if _UNSPOKEN.search(m.group("w")):
                return False
            words, letters = words + 1, letters + len(m.group("w"))
    return covered == len(value) and words >= words_needed and 10 * letters >= 7 * len(value)


# an identifier or command written as a value: REPLACE_ME, get_password, getToken, Read-Host. Each part after
# the first starts with a separator or a capital: the same names as [_.-]?[A-Z]?[a-z]+ parts, without the
# many ways to split a lower-case run that made "aaa...a!" exponential (20 letters 0.06 s, 22 0.2 s)
WORDY = re.compile(r"[A-Za-z][a-z]*(?:(?:[_.-][A-Z]?|[A-Z])[a-z]+)*|[A-Z]+(?:[_.-][A-Z]+)*")
# words and single spaces (TOKEN_EOF: "end of template"): a description, never a token or key
PROSE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)+")


_YAML_NODE = re.compile(r"[&*][A-Za-z_][\w.-]{0,63}")


def is_yaml_node(value: str) -> bool:
    """``&default_pass``, ``*default_pass``: a YAML anchor or alias where the value goes (no value itself)."""
    return _YAML_NODE.fullmatch(value) is not None


# "password" in Spanish, Portuguese, Dutch, Russian/Ukrainian, Chinese, Japanese, Korean, Polish, Czech/Slovak,
# Hungarian, Swedish, Finnish, Danish, Norwegian, Turkish, Romanian/Italian, German (Kennwort), Vietnamese,
# Indonesian, Thai, Arabic, Hebrew, Hindi, Greek
PASSWORD_TRANSLATIONS = (
    "contraseña", "contrasena", "senha", "wachtwoord", "пароль", "密码", "密碼", "口令", "パスワード", "비밀번호",
    "hasło", "haslo", "heslo", "jelszó", "jelszo", "lösenord", "losenord", "salasana", "adgangskode", "passord",
    "şifre", "sifre", "parolă", "parola", "kennwort", "mật khẩu", "mat khau", "kata sandi", "รหัสผ่าน",
    "كلمة المرور", "كلمة السر", "סיסמה", "पासवर्ड", "κωδικός",
)  # fmt: skip
_LABELS = frozenset({*PASSWORD_TRANSLATIONS, "passwort", "mot de passe", "password", "passwords"})
_UI_WORDS = frozenset({"password", "passwords", "passwort", "passphrase", "passcode"})
# a validation message: two of these words (``must be at least 8 characters``); no plain function words, so that a
# passphrase (``meet me at the park``) stays one
_MESSAGE_WORDS = frozenset(
    {"must", "least", "required", "characters", "chars", "should", "contain", "minimum", "maximum", "match",
     "invalid", "empty", "digits", "letters", "uppercase", "lowercase"}
)  # fmt: skip
_UI_OPENERS = ("Enter ", "Please ", "Forgot ", "Confirm ", "Choose ", "Create ", "Reset ", "Change ", "Invalid ",
               "Incorrect ", "Your ", "Type ", "Re-enter ", "Show ", "Hide ")  # fmt: skip
_LETTERS = re.compile(r"[A-Za-z]+")


def is_ui_text(value: str) -> bool:
    """A label or message, not a password: ``Forgot password?``, ``Enter at least 8 characters``, ``must be at
    least 8 characters``, or the word itself in a translation file (``Kennwort``, ``Contraseña``, ``Пароль``)."""
    if value.lower() in _LABELS:
        return True
    if " " not in value:
        return False
    words = [w.lower() for w in _LETTERS.findall(value)]
    return (
        value.startswith(_UI_OPENERS) or not _UI_WORDS.isdisjoint(words)
        or sum(w in _MESSAGE_WORDS for w in words) >= 2
    )  # fmt: skip


# a cloud resource's name: an AWS ARN, a GCP Secret Manager path -- it names a secret, it is none; a cache or
# queue key of three or more lower-case words, numbers or {fields} joined by colons
_RESOURCE = re.compile(r"arn:aws[\w-]{0,16}:|projects/[\w-]{1,64}/secrets/")
_KEY_PART = r"(?:[a-z]{1,40}|[0-9]{1,20}|\{\w{1,40}\})"
_NAMESPACED = re.compile(rf"{_KEY_PART}(?::{_KEY_PART}){{2,8}}")


def is_resource_name(value: str) -> bool:
    """``arn:aws:secretsmanager:...:secret:prod/db``, ``projects/acme/secrets/db-password/versions/3``,
    ``user:1234:profile``."""
    return _RESOURCE.match(value) is not None or _NAMESPACED.fullmatch(value) is not None


_PATH_CHARS = re.compile(r"[\w.@+/-]+")
_WINDOWS_PATH = re.compile(r"[A-Za-z]:\\[\w.@+ \\-]+")
_AT_HOST = re.compile(r"@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}(?::[0-9]{1,5})?(?:/[^\s]{0,100})?")
_RELATIVE_FILE = re.compile(
    r"[\w@+-][\w.@+-]*(?:/[\w.@+=-]+)*/[\w@+-][\w.@+-]*\.[a-z]{1,8}"
)  # year=2019/: Hive


def is_file_path(value: str) -> bool:
    """``/home/bob`` (``PWD=`` of an environment dump), ``~/.ssh/id_rsa``, ``./secrets/db``,
    ``C:\\keys\\prod.txt``, ``src/App.test.js`` (jest's ``PASS src/App.test.js``): where something is kept, not the
    secret. A value starting with ``/`` is a path only with a second ``/`` or a dot (``/x8Kq2mZ`` may be a password
    or base64); a relative one needs a directory and a lower-case extension."""
    if value.startswith(("~/", "./", "../")) and _PATH_CHARS.fullmatch(value, value.index("/")):
        return True
    if value.startswith("/") and ("/" in value[1:] or "." in value) and _PATH_CHARS.fullmatch(value):
        return True
    return _WINDOWS_PATH.fullmatch(value) is not None or _RELATIVE_FILE.fullmatch(value) is not None


def is_at_host(value: str) -> bool:
    """``@cluster0.example.net``: the host part of ``scheme://<user>:<password>@host`` read after a slot."""
    return _AT_HOST.fullmatch(value) is not None


def is_weak_value(value: str) -> bool:
    """Every value-level hard negative at once."""
    return (
        is_yaml_tag(value)
        or is_yaml_node(value)
        or is_resource_name(value)
        or is_file_path(value)
        or is_at_host(value)
        or is_ui_text(value)
        or is_filler(value)
        or is_sequential(value)
        or is_symbols_only(value)
        or is_operator_or_markup(value)
        or is_encrypted(value)
        or is_password_hash(value)
        or is_code_text(value)
    )
