"""password: keyword context in prose, chat, e-mail, config, .env, YAML, JSON, XML, code, CLI flags,
connection strings and user:pass@host URLs; the span is the value only."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanitize import ScanConfig, scan
from sanitize.detectors.passwords import identifier_bounds, is_password_key, password_value_ok

CASES = [
    # prose
    ("Hi Bob, the wifi password is hunter2 and the door code is 4821.", "hunter2"),
    ("The password for the staging box is Tr0ub4dor&3, don't share it.", "Tr0ub4dor&3"),
    ("I changed the wifi password to xA*F2PZFUgDLaG yesterday.", "xA*F2PZFUgDLaG"),
    ("Her old passcode was Maple~4821 before the reset.", "Maple~4821"),
    # chat
    ("bob: what's the admin password?\nann: password: Copper_1990", "Copper_1990"),
    ("[2024-01-02 10:00:00] <bob> pw is Saturn!77", "Saturn!77"),
    ("bob: login is David / pass Copper_1990", "Copper_1990"),
    # e-mail
    ("Dear Ann,\n\nYour temporary password is: Kx9#mP2q\nPlease change it.", "Kx9#mP2q"),
    ("Username: bob\nPassword: Velvet-2291\n\nRegards", "Velvet-2291"),
    # .env / YAML / INI / JSON / XML
    ("DB_PASSWORD=s3cr3t-Pa55", "s3cr3t-Pa55"),
    ('export PGPASSWORD="HVEmQJb-Po=9IZlE"', "HVEmQJb-Po=9IZlE"),
    ("database:\n  user: bob\n  password: e=d_gOsC~Y80Z\n  port: 5432", "e=d_gOsC~Y80Z"),
    ("smtp_pass: 'Quartz*77'", "Quartz*77"),
    ("[client]\nuser = bob\npasswd = Ember_515", "Ember_515"),
    ('{"username": "bob", "password": "s3cr3t!x", "remember": true}', "s3cr3t!x"),
    ("<user>bob</user>\n<password>Tr0ub4dor&3</password>", "Tr0ub4dor&3"),
    ('DB_PASSWORD="correct horse battery staple"', "correct horse battery staple"),
    # code
    ('conn = psycopg2.connect(host="db", user="bob", password="Lantern!9")', "Lantern!9"),
    ("db_pass = 'Rocket_88'", "Rocket_88"),
    ('login(username="bob", pwd="Cobalt~12")', "Cobalt~12"),
    # logs
    ("2024-01-02 WARN auth failed for user=bob password=Summit-404 from web-2", "Summit-404"),
    # CLI flags
    ("$ mysql -u root -pS3cret99 -h db", "S3cret99"),
    ("$ sshpass -p 'Glacier*3' ssh -l bob host", "Glacier*3"),
    ("$ ./deploy.sh --user bob --password=Pepper_77", "Pepper_77"),
    ("$ pg_dump --password Violet!12 orders", "Violet!12"),
    # connection strings and URLs
    ("Server=db;Database=x;User Id=sa;Password=Pa$$w0rd!;Encrypt=true", "Pa$$w0rd!"),
    ("jdbc:mysql://db:3306/x?user=bob&password=Cactus_42&ssl=true", "Cactus_42"),
    ("DATABASE_URL=postgres://admin:S3cr3tPass@db.example.com:5432/app", "S3cr3tPass"),
    ("redis://:w7EBl4_RvcBO9ei@cache:6379/0", "w7EBl4_RvcBO9ei"),
    ("git clone https://bob:Thunder-9@git.example.com/team/repo.git", "Thunder-9"),
    # a user/password pair key: the username is not part of the span
    ("user/pass: bob/Tr7#Lm2q", "Tr7#Lm2q"),
    ("login:password = admin:Hx4$vB9nMq", "Hx4$vB9nMq"),
    ("Username/Password: svc-deploy/Kq7-pLm2zXw9", "Kq7-pLm2zXw9"),
    ("password: Lm2/Tr7#q9", "Lm2/Tr7#q9"),  # no pair key: the '/' belongs to the value
    ("user/pass: admin:Kq7#Lx2mQ", "Kq7#Lx2mQ"),  # the value's own separator
    # a parenthetical qualifier between the key and its operator
    ("Password (new): Kq7#Lx2mQ", "Kq7#Lx2mQ"),
    ("root password (initial) = Kq7#Lx2mQ", "Kq7#Lx2mQ"),
    ("password (optional): string", None),  # prose: a word
    ("password (see below):\n  Kq7#Lx2mQ", None),
    # Windows' glued -p: (the colon is no part of the password)
    ("winrs -r:host -u:admin -p:Kq7#Lx2mQ ipconfig", "Kq7#Lx2mQ"),
    # prose reads on past words to the value
    ("my password was changed to Kq7#Lx2mQ", "Kq7#Lx2mQ"),
    ("my password's Kq7#Lx2mQ", "Kq7#Lx2mQ"),  # 's: is
    ("the wifi password’s Kq7#Lx2mQ now", "Kq7#Lx2mQ"),
    ("the password's length is 12", None),
    ("the password's hash 5f4dcc3b5aa765d61d8327deb882cf99 leaked", None),
    ("the new password is now Kq7#Lx2mQ.", "Kq7#Lx2mQ"),
    ("your temporary password will be Kq7#Lx2mQ", "Kq7#Lx2mQ"),
    ("pw is k!36!08BRw", "k!36!08BRw"),  # a letter then punctuation inside the value is no word
    ("the password will be sent to you by email", None),
    ("the password is now stored in vault", None),
    ("the password will now expire in 90 days", None),
    ("Passwords are now required to be 12+ chars", None),  # a short non-word in prose
    ("PWD=/home/bob\nSHELL=/bin/bash", None),  # an environment dump: the working directory
    ("mongodb://<username>:<password>@cluster0.mongodb.net", None),  # slots, then the host
    ('password: "***REMOVED***"', None),  # BFG Repo-Cleaner's redaction
    ("export PWD=/home/bob/src", None),
    ("pwd: ./secrets/db", None),  # a path: where the password is kept
    ("password: /x8Kq2mZ", "/x8Kq2mZ"),  # one slash, no dot: may be a password
    # hard negatives
    ("password: <password>", None),
    ("DB_PASSWORD=********", None),
    ("password = changeme", None),
    ("DB_PASSWORD=${DB_PASSWORD}", None),
    ('password: "{{ vault_db_password }}"', None),
    ("set PASSWORD=%DB_PASSWORD%", None),
    ('"password": "<YOUR_PASSWORD>"', None),
    ("$ mysql -u root -p<password> -h localhost", None),
    ("mysql -u root -p mydb < dump.sql", None),  # -p then a space prompts: mydb is the database
    ("sshpass -p Zx8Qm2Lp9Vt4 mysql -u root -h db", "Zx8Qm2Lp9Vt4"),  # sshpass's -p takes a space
    ('password = "{password}"', None),  # a format field: quotes keep their closing brace
    ("postgres://bob:${PGPASSWORD}@db/x", None),
    ("password:", None),
    ('"password": "",', None),
    ("DB_PASSWORD=\nNEXT=1", None),
    ("[sudo] password for bob:\n\nThe quiet garden shows the model.", None),
    ("Enter password: \nThe bright river moves.", None),
    ("Type the password with the keyboard, not the on-screen pad.", None),
    ("A password manager beats monkey-typed strings every time.", None),
    ("Forgot password? Click the reset link.", None),
    ("password strength: weak", None),
    ("The password is incorrect, please try again.", None),
    ("password = get_password()", None),
    ("password = self.password", None),
    ("if check_password(user_input):", None),
    ("We took the passport and the compass past the bypass.", None),
    ("$ mkdir -p build/output", None),
    # the issue-18 hard negatives apply to the password detector too, quoted or not
    ("password: 1234567890", None),  # sequential
    ("DB_PASSWORD='abcdefghijklmnop'", None),
    ("pwd=qwertyuiop", None),
    ("password: xxxxxxxxxx", None),  # filler
    ("PASSWORD=!@#$%^&*()", None),  # symbols only
    ("password=&quot;", None),  # markup
    ("db_password: ENC[AES256_GCM,data:Tr7oQm2x,iv:1bcXq9=,tag:k2Lm==,type:str]", None),  # SOPS
    (
        'spring.datasource.password="{cipher}AQA8bZ3kPq7mX2vL9nR4tY6wE1uI3oP5aS7dF9gH"',
        None,
    ),  # Spring Cloud Config
    ("jasypt.password=ENC(G6N718UuyPE5bHyWKyuLQSm02auQPUtm)", None),  # Jasypt
    ("$ mysql -u root -p1234567890 -h db", None),
    ("redis://:xxxxxxxx@cache:6379/0", None),
    ("password: Tr7#Lm2q-123456", "Tr7#Lm2q-123456"),
    # JSON- or log-escaped line breaks end the value (literal backslash-n, not a newline)
    ('{"config": "user=bob\\npassword=Qw8!zX3cVb6n\\nhost=db"}', "Qw8!zX3cVb6n"),
    ('{"cmd": "mysql -u root -pQw3rTy9Uop\\tapp"}', "Qw3rTy9Uop"),
    ('log: "login ok\\tpassword=Lm2q9Tr7#x\\tuser=bob"', "Lm2q9Tr7#x"),
    ("password=C:\\new\\tmp", None),  # what is left before the escape is too short
    # a YAML tag or a variable named like a password is not the value
    ("password: !!python/name:getpass.getpass", None),
    ("password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231", None),
    ("wifi_password: !secret wifi_password", None),
    ("MasterUserPassword: !Ref DBPassword", None),
    ("if password == confirm_password:", None),
    ("pwd=newPwd", None),
    ("password: !Qaz2wsx9", "!Qaz2wsx9"),  # '!' then a letter, not a known tag: a password
    # a form body: the next `&field=` ends the value; a '&' inside a password stays
    ("username=bob&password=Lm2q9Tr7x&remember=1", "Lm2q9Tr7x"),
    ("password=Tr0ub4dor&3x", "Tr0ub4dor&3x"),
    ("password=Tr0ub4dor3x ${", "Tr0ub4dor3x"),  # a key at offset 0 is no `${...}` expansion
    # keys about the password, not holding it (public-by-design names, as the format detectors judge them)
    ('"passwordPolicy": "MinLength8RequireDigits"', None),
    ("PASSWORD_RESET_TIMEOUT = 3600", None),
    ("password_min_length: 12", None),
    ("DB_PASSWORD_FILE=/run/secrets/db_password", None),
    ("DB_PASSWORD_PROD=Lm2q9Tr7x", "Lm2q9Tr7x"),  # an environment suffix is still the password
    ("FROM alpine\n  ENV DB_PASSWORD Lm2q9Tr7x\n", "Lm2q9Tr7x"),  # Dockerfile ENV KEY VALUE
    ("ENV PASSWORD_FILE /run/secrets/db", None),  # a file holding it, not the password
    # code, labels and fixtures after a password key
    ('password = "{0}"', None),
    ("password: !ENV ${DB_PASSWORD}", None),
    ('PASSWORD_REGEX = "^(?=.*[A-Z])(?=.*\\d).{8,}$"', None),
    ('password = hashlib.sha256(b"x").hexdigest()', None),
    ("password = models.CharField(max_length=128)", None),
    ('if not password: raise ValueError("password required")', None),
    ('"forgot_password": "Forgot password?",', None),
    ('password = "fake_password"', None),
    ('password: "__PASSWORD__"', None),
    ('passwd: "$6$saltsalt$Yq5Z8Xk2Lm3Np4Qr5St6Uv7Wx8Yz9Ab0Cd1Ef2"', None),  # a crypt hash, not the password
    ('"password": "pbkdf2_sha256$600000$abc123$Yq5Z8Xk2Lm3Np4Qr5St6="', None),
    ('String password = new String("Zx8Qm2Lp9Vt4");', "Zx8Qm2Lp9Vt4"),  # the literal, not `new`
    ('pwd = SecretStr("Zx8Qm2Lp9Vt4")', "Zx8Qm2Lp9Vt4"),
    ('passphrase: "correct horse battery staple"', "correct horse battery staple"),
    # other languages: `passe` (mot de passe) opens its own window through `pass`
    ("Mot de passe : Zx8Qm2Lp9Vt4", "Zx8Qm2Lp9Vt4"),
    ("mot_de_passe = 'Zx8Qm2Lp9Vt4'", "Zx8Qm2Lp9Vt4"),
    ("passenger = 'Zx8Qm2Lp9Vt4'", None),  # 'passe' is a word of the key, not a substring
    ("impasse: Zx8Qm2Lp9Vt4", None),
    # string prefixes and wrappers: the literal is the value
    ('password = b"Zx8Qm2Lp9Vt4"', "Zx8Qm2Lp9Vt4"),
    ("password = r'Zx8Qm2Lp9Vt4'", "Zx8Qm2Lp9Vt4"),
    ('string password = @"Zx8Qm2Lp9Vt4";', "Zx8Qm2Lp9Vt4"),  # C# verbatim
    ('password = """Zx8Qm2Lp9Vt4"""', "Zx8Qm2Lp9Vt4"),
    ('password = ("Zx8Qm2Lp9Vt4")', "Zx8Qm2Lp9Vt4"),
    ("password: &pw Zx8Qm2Lp9Vt4", "Zx8Qm2Lp9Vt4"),  # a YAML anchor, not the value
    ('"password": "Zx8Qm2L\\"p9Vt4"', 'Zx8Qm2L\\"p9Vt4'),  # an escaped quote inside
    ("password=mypassword1", "mypassword1"),  # one word: a (weak) password, not a variable
    ("db:\n  password: !!str Zx8Qm2Lp9Vt4\n", "Zx8Qm2Lp9Vt4"),  # a YAML tag, not the value
    ("password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n", None),  # encrypted (Ansible vault)
    ("password: !secret db_password", None),  # a reference (Home Assistant secrets.yaml)
    # percent-encoded `=` and `&`: a form body or query string encoded once more
    ("q=user%3Dbob%26password%3DZx8Qm2Lp9Vt4%26x%3D1", "Zx8Qm2Lp9Vt4"),
    ("https://sso.test/cb?state=user%3Dbob%26pwd%3DZx8Qm2Lp9Vt4", "Zx8Qm2Lp9Vt4"),
    ("next=%2Flogin%3Fpassword%3D", None),
    # Lisp and Clojure/EDN: the key and its value are separated by a space
    ('{:user "bob" :password "Zx8Qm2Lp9Vt4"}', "Zx8Qm2Lp9Vt4"),
    ('(setq smtpmail-auth-password "Zx8Qm2Lp9Vt4")', "Zx8Qm2Lp9Vt4"),
    ('(def db-password "Zx8Qm2Lp9Vt4")', "Zx8Qm2Lp9Vt4"),
    ("{:password pw}", None),  # a bare symbol: a binding, not a literal
    ('(check-password "Zx8Qm2Lp9Vt4")', None),  # a call, not a binding
    ('see password "Zx8Qm2Lp9Vt4" below', None),  # prose with a space: no key form
    # WPA pre-shared keys are passwords; csh and fish assign with a space
    ('network={\n  ssid="home"\n  psk="Zx8Qm2Lp9Vt4"\n}', "Zx8Qm2Lp9Vt4"),
    ("wifi_psk: Zx8Qm2Lp9Vt4", "Zx8Qm2Lp9Vt4"),
    ("key_mgmt=WPA-PSK", None),
    ("psk: true", None),
    ("setenv DB_PASSWORD Zx8Qm2Lp9Vt4", "Zx8Qm2Lp9Vt4"),
    ("set -gx DB_PASSWORD Zx8Qm2Lp9Vt4", "Zx8Qm2Lp9Vt4"),
    ("we set DB_PASSWORD Zx8Qm2Lp9Vt4", None),  # `set` without a flag, inside prose
    # Java .properties lines may separate a dotted key from its value by a space
    ("db.url jdbc:h2:mem:x\ndb.password Zx8Qm2Lp9Vt4\n", "Zx8Qm2Lp9Vt4"),
    ("the db.password field is required", None),
    ("log.pass Fail", None),  # letters only
    # camelCase keys ending in Pass/Pwd
    ('<Connector port="8443" keystorePass="Zx8Qm2Lp9Vt4"/>', "Zx8Qm2Lp9Vt4"),
    ("adminPwd: Zx8Qm2Lp9Vt4", "Zx8Qm2Lp9Vt4"),
    # a bare number with a point or an exponent is a setting; integers and quoted values stay passwords
    ("firstPass = 0.95", None),
    ("maxPass = 1e-3", None),
    ("password: -12.5", None),
    ("pwd: 4821", "4821"),
    ('password: "3.14159"', "3.14159"),
    ("password=1.2.3.4x", "1.2.3.4x"),
    # directive lines: the key opens the line, one value ends it (Gradle/Groovy, redis, keepalived, slapd)
    ("signingConfigs {\n  release {\n    storePassword 'Zx8Qm2Lp9Vt4'\n  }\n}", "Zx8Qm2Lp9Vt4"),
    ('        keyPassword "Zx8Qm2Lp9Vt4"', "Zx8Qm2Lp9Vt4"),
    ("bind 127.0.0.1\nrequirepass Zx8Qm2Lp9Vt4\n", "Zx8Qm2Lp9Vt4"),
    ("    auth_type PASS\n    auth_pass Zx8Qm2Lp9Vt4\n", "Zx8Qm2Lp9Vt4"),
    ("rootpw Zx8Qm2Lp9Vt4", "Zx8Qm2Lp9Vt4"),
    ("bind 0.0.0.0\nmasterauth Zx8Qm2Lp9Vt4\nreplicaof db1 6379\n", "Zx8Qm2Lp9Vt4"),
    ("masterauth <password>", None),
    ("# masterauth Zx8Qm2Lp9Vt4", None),  # a comment: the key does not open the line
    ("requirepass foobared", None),  # letters only
    # sssd: ldap_default_authtok is the bind password (not authToken, a token)
    ("ldap_default_authtok_type = password\nldap_default_authtok = Zx8Qm2Lp9Vt4Wq7", "Zx8Qm2Lp9Vt4Wq7"),
    ("ldap_default_authtok_type = obfuscated_password", None),
    ('    storePassword System.getenv("STORE_PASSWORD")', None),
    ("    storePassword keystoreProperties['storePassword']", None),
    ("the password Zx8Qm2Lp9Vt4 is wrong", None),  # prose: the key does not open the line
    ("password reset required", None),
    ("pwd /home/bob", None),  # a path after a spaced key
    ('char password[] = "Zx8Qm2Lp9Vt4";', "Zx8Qm2Lp9Vt4"),  # a C array declarator
    ('static char pwd[32] = "Zx8Qm2Lp9Vt4";', "Zx8Qm2Lp9Vt4"),
    ('password = f"Zx8Qm2Lp9Vt4"', "Zx8Qm2Lp9Vt4"),  # a string prefix
    ('password = (\n    "Zx8Qm2Lp9Vt4"\n)', "Zx8Qm2Lp9Vt4"),  # black wraps a long literal in parentheses
    ("password = '''Zx8Qm2Lp9Vt4'''", "Zx8Qm2Lp9Vt4"),  # triple single quotes (Python, TOML)
    ('PASSWORD: Final = "Zx8Qm2Lp9Vt4"', "Zx8Qm2Lp9Vt4"),  # typing.Final
    ("password = (\n    get_password()\n)", None),
    (
        'pass_baseline = (\n    "callgrind_bindings._valgrind_toggle()\\n"\n    f"{x}"\n)',
        None,
    ),  # concatenated code
    ('password = f"{prefix}{suffix}"', None),
    ("passwordfile ./secrets/db.txt", None),
    (
        "mount -t cifs //fs/share /mnt -o username=bob,password=Zx8Qm2Lp9Vt4,vers=3.0",
        "Zx8Qm2Lp9Vt4",
    ),  # an option list
    (
        "mount -t cifs //fs/s /mnt -o username=bob,password=Zx8Qm2Lp9.,vers=3.0",
        "Zx8Qm2Lp9.",
    ),  # "." before the next option
    ("log in with password=Zx8Qm2Lp9, then wait", "Zx8Qm2Lp9"),  # prose: the comma ends the sentence's clause
    ("if ($_POST['password'] === 'Zx8Qm2Lp9Vt4') {", "Zx8Qm2Lp9Vt4"),  # PHP strict comparison
    ("if ($pass !== 'Zx8Qm2Lp9Vt4') {", "Zx8Qm2Lp9Vt4"),
    ('answer = input("Password: ") + " (" + hint + ")"', None),  # the code between two literals
    ('pw = input("Password: ") or "x"', None),
    ('password = keyring.get_password("svc", "deploy")', None),  # a lookup's arguments
    ('keyring.set_password("svc", "deploy", password)', None),  # keyring's service and username
    ('keyring.delete_password("svc", "deploy")', None),
    ('user.set_password("Mk9#j7Bh5G")', "Mk9#j7Bh5G"),  # Django's: the one argument is the password
    ("password='Sx3<Lm9Qw4'", "Sx3<Lm9Qw4"),  # "<" and ">" are password characters
    ("  -p, --password TEXT  The password to use", None),  # click's usage: a metavariable
    # real code and docs (found in CPython's standard library): "pass" the verb, expressions, method calls
    ("that pass it to TextIOWrapper or open.", None),
    ("# We always explicitly pass zip64 within this module.", None),
    ("any extra options to pass to SWIG if a source file", None),
    ("class readonly(abort): pass     # Mailbox status changed to READ-ONLY", None),
    ("        pass #FIXME: HACK for IS_PYPY (3.11)", None),  # a statement and its comment
    ("    # Pass 1: Merge pairs of consecutive subtrees from left to right.", None),  # a heading
    ("    # First pass: Create dict of template.uid to generator", None),
    ("The function to use for the forward pass. Takes two arguments: `model` and `inputs`.", None),
    ('    if pre_grad_pass_timing == "early":', None),  # a compiler's pass
    ('backward_pass_autocast = "same_as_forward"', None),
    ("    if pass_zero == 'lowpass':", None),
    ('    if pass_arg == "environment":', None),
    ("        # in case users pass `embeds` here", None),  # code named in prose
    ('        return torch.einsum("ncow,pw->ncop", resized, width_weights)', None),
    ("    password: HiddenText | None = None", None),  # a type annotation
    ("def make_rev_args(username: str | None, password: HiddenText | None) -> CommandArgs:", None),
    ("    pwd: ModuleType | None = None", None),
    ("        username, password = proxy_auth", None),  # a tuple unpacked
    ('    pass_dict=construct_pattern_matcher_pass("normalization_pass"),', None),  # a compiler pass's name
    ('pass = "Xk9_mq2Lzp"', "Xk9_mq2Lzp"),
    ("    password: SecretStr", None),  # a pydantic field's type
    ("    password_bytes: SecretBytes\n", None),
    ("def connect(password: HiddenText, user: str) -> None:", None),
    ("information can be provided via the --username and --password options instead", None),  # prose
    ("--password Hx7mQ2zRt9 --user bob", "Hx7mQ2zRt9"),
    ("// Note [Functionalization Pass - Inplace View Ops]", None),  # a title
    (
        "    def try_split(self, pw: Split, red: Split) -> tuple[Split, Split] | None:",
        None,
    ),  # a parameter's type
    ("pw: Tiger, user: bob", "Tiger"),  # not in a parameter list
    ("pass: Hunter", "Hunter"),
    ("user, password = 'alice.admin2', 'Vq8#kLm2pZ'", "Vq8#kLm2pZ"),  # the literal unpacked into the key
    ('username, pwd = "svc_backup", "Vq8#kLm2pZ"', "Vq8#kLm2pZ"),  # not the user's literal (the short rule)
    ('(user, pwd) = ("bob", "Vq8#kLm2pZ")', "Vq8#kLm2pZ"),
    ("password, user = 'Vq8#kLm2pZ', 'bob'", "Vq8#kLm2pZ"),
    ('    host, port, user, passwd = "db.local", "5432", "bob", "Vq8#kLm2pZ"  # dev', "Vq8#kLm2pZ"),
    ("a, password = b, 'Vq8#kLm2pZ';", "Vq8#kLm2pZ"),
    ("user, password = 'bob', ''", None),
    ("user, password, extra = 'bob', 'Vq8#kLm2pZ'", None),  # counts differ: not read as a pairing
    ('conn = connect(\n    host, user, password="Vq8#kLm2pZ")', "Vq8#kLm2pZ"),  # a call's keyword argument
    ("password: Summer2024", "Summer2024"),
    ("password = Kx9mQ2pLv", "Kx9mQ2pLv"),
    ("user=bob, password=Kx9mQ2pLv", "Kx9mQ2pLv"),
    ("        password (bool, optional): Enable password input. Defaults to False.", None),  # a docstring
    ("Password (new): Kx9mQ2pLv", "Kx9mQ2pLv"),
    ('    "pwd": "IPython.core.magics.osm:OSMagics",', None),  # an entry point
    ('"password": "Kx9.mQ2:pLv"', "Kx9.mQ2:pLv"),
    ("admin pass: Kx9mQ2pLv", "Kx9mQ2pLv"),
    ("Pass: Summer2024 (change it)", "Summer2024"),
    ("the wifi pass is Kx9mQ2pLv", "Kx9mQ2pLv"),
    ('SMTP_PASS: "Kx9mQ2pLv"', "Kx9mQ2pLv"),
    ("user bob pass Yh6*Nm3Ks8", "Yh6*Nm3Ks8"),  # after a user on the line: a key
    ("pass Yh6*Nm3Ks8\n", "Yh6*Nm3Ks8"),  # alone on its line: a directive
    ("log in with user: ops and pass Yh6*Nm3Ks8", "Yh6*Nm3Ks8"),
    ("wifi: HomeNet / pw Yh6*Nm3Ks8", "Yh6*Nm3Ks8"),  # after a network's name
    ("WiFi password — Yh6*Nm3Ks8", "Yh6*Nm3Ks8"),  # an em dash between key and value
    ("user bob and pass the test", None),  # the verb
    ("wifi: HomeNet / pw required", None),
    ("pw = pw[:-1]", None),
    ("password = auth[2]", None),
    ("fds_to_pass = [listener.fileno(), alive_r]", None),
    ("userid = passwd = acct = ''", None),
    ("pwd = (self.password.encode('utf-8') if isinstance(self.password, str)", None),
    ("self.password.encode('ascii'), challenge, 'md5').hexdigest()", None),
    ("self.username, self.password = credentials", None),
    ('self.password = "Yh6*Nm3Ks8"', "Yh6*Nm3Ks8"),  # a literal is a value, in code too
    ("should_pass(\"WinDLL('./_sqlite3.dll')\")", None),
    ("proc = Popen(cmd, pass_fds=fds_to_keep)", None),
    ('find_user_pass("Some Realm", "example.com")', None),
    ('PASSWD = getpass.getpass("IMAP password for %s on %s: " % (USER, host or "localhost"))', None),
    ("# password and salt must be bytes-like", None),
    ("'pass': 'The \"pass\" statement\\n'", None),
    ("user_pass = '%s:%s' % (unquote(user), unquote(password))", None),
    # transformers' source
    ('raise ValueError(f"Cannot pass `target_lang`: {target_lang} if x")', None),
    ("pw_down = pw - rem_w", None),  # pixel widths
    ("ph, pw = ph_up, pw_up", None),
    ("ph = pw = side", None),
    ("# if the user attempts to pass `inputs_embeds`, but", None),  # a user, but no name before the key
    ("k_pass is passed to kv_b_proj (colwise)", None),
    ("pw = hunter2", "hunter2"),  # a word with a digit is still one
    ("\"\"\"splitpasswd('user:passwd') -> 'user', 'passwd'.\"\"\"", None),
    ("usage: tool [--password PASSWORD] [--user NAME]", None),
    ("tool --password HX4VB9NMQ2", "HX4VB9NMQ2"),  # digits: no placeholder word
    ("password: <your password>", None),
    ('password = getPassword("Zx8Qm2Lp9Vt4")', None),
    ('user.setPassword("Zx8Qm2Lp9Vt4");', "Zx8Qm2Lp9Vt4"),  # a setter's literal is one
    ("passwords_match = password == password2", None),  # a name compared, not a literal
    ("if password != pw_confirm2:", None),
    ('if password == "Zx8Qm2Lp9Vt4":', "Zx8Qm2Lp9Vt4"),
    ("password = Column(String(128), nullable=False)", None),  # SQLAlchemy: a call
    ("password = CharField(max_length=128)", None),
    ('{"password": "Kennwort", "username": "Benutzername"}', None),  # a translation file
    ("'password' => 'Passwort',", None),
    ('"password": "must be at least 8 characters"', None),  # a validation message
    ('"password": "correct horse battery staple"', "correct horse battery staple"),
]


@pytest.mark.parametrize(("payload", "secret"), CASES)
def test_password(payload: str, secret: str | None) -> None:
    found = [payload[f.start : f.end] for f in scan([payload], ScanConfig(types=["password"]))]
    assert found == ([secret] if secret else [])


@pytest.mark.parametrize(
    ("identifier", "is_key"),
    [("DB_PASSWORD", True), ("PGPASSWORD", True), ("dbPassword", True), ("--password", True),
     ("db.pass", True), ("pwd", True), ("passport", False), ("compass", False), ("bypass", False),
     ("PxSfPw9", False), ("keystorePass", True), ("rootPwd", True), ("passThrough", False),
     ("ldap_default_authtok", True), ("authToken", False), ("AUTHTOKEN", False)],
)  # fmt: skip
def test_password_key(identifier: str, is_key: bool) -> None:
    assert is_password_key(identifier) is is_key


def test_password_value_rules() -> None:
    assert password_value_ok("hunter2", quoted=False, prose=True)
    assert not password_value_ok("incorrect", quoted=False, prose=True)  # an English word in prose
    assert password_value_ok("sunflower", quoted=True, prose=False)  # quoted literals are taken as written
    assert not password_value_ok("os.environ['X']", quoted=True, prose=False)


def _identifier_bounds_loop(text: str, start: int, end: int, reach: int = 64) -> tuple[int, int]:
    """Reference: walk character by character."""
    i, j = start, end
    while i > 0 and start - i < reach and text[i - 1] in IDENT:
        i -= 1
    while j < len(text) and j - end < reach and text[j] in IDENT:
        j += 1
    return i, j


IDENT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


@settings(max_examples=300)
@given(st.text(alphabet="aZ09_.-= \n\u00e9\u212a", max_size=200), st.data())
def test_identifier_bounds_walks_like_the_loop(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    reach = data.draw(st.sampled_from([0, 1, 5, 64]))
    assert identifier_bounds(text, start, end, reach) == _identifier_bounds_loop(text, start, end, reach)


def test_identifier_bounds_examples() -> None:
    text = "export DB_PASSWORD=hunter2"
    k = text.index("PASS")
    i, j = identifier_bounds(text, k, k + 4)
    assert text[i:j] == "DB_PASSWORD"
    long = "a" * 100 + "pass" + "b" * 100
    assert identifier_bounds(long, 100, 104) == (36, 168)  # at most 64 characters each side
