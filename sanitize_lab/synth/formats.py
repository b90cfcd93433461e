"""The "formats" corpus: every real-world credential format family of the scanner (SQL, connection
strings, curl, HTTP auth, assignment syntaxes, name/value pairs, credential calls, PowerShell,
Kubernetes Secrets, .netrc, .pgpass, docker auths, short keyed values, HTML/XML-escaped markup,
session cookies) and a sample of vendor token providers, each planted with fresh
random values in realistic surroundings, next to the hard negatives of issue 18 as decoys
(public-by-design key names, operators and markup as values, placeholders, sequential values,
encrypted material, symbol-only values, prose).

:func:`formats_corpus` returns a :class:`~.corpus.SynthCorpus` whose labels carry the family in
``Planted.style`` (``"sql"``, ``"vendor/<provider>"``...) and decoys carry it in ``Decoy.kind``
(``"sql"``...), so a benchmark reports recall and precision per family and per provider. Values
are drawn here (never the catalogue's own examples): ``{p}`` a password, ``{s}`` a random token,
``{b}`` base64 of ``user:{p}``, ``{k}`` base64 of a secret value.
"""

from __future__ import annotations

import base64
import random
import string

from sanitize.detectors import SPECS
from sanitize.detectors.base import shannon_entropy
from sanitize.detectors.format_base import min_entropy
from sanitize.detectors.vendor_rules import DEFAULT_TYPE, VendorRule, load_rules
from sanitize.detectors.vendor_values import fake_for_rule

from .corpus import Decoy, Label, Planted, SynthCorpus
from .filler import FILLER_STYLES

_SYMBOLS = "!#%*+-_.^~@"
# family -> (secret types a finding may have, positive templates, negative templates); in a
# positive template the first {p}/{s}/{b}/{k} field is the planted value (every occurrence a label)
FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "sql": (("password",), (
        "GRANT SELECT ON shop.* TO 'report'@'%' IDENTIFIED BY '{p}';",
        "CREATE USER etl IDENTIFIED BY \"{p}\";",
        "CREATE USER app_rw WITH PASSWORD '{p}';",
        "CREATE ROLE loader WITH LOGIN ENCRYPTED PASSWORD '{p}' VALID UNTIL 'infinity';",
        "CREATE LOGIN svc_{w} WITH PASSWORD = N'{p}', CHECK_POLICY = OFF;",
        "ALTER USER {w} WITH PASSWORD '{p}';",
        "ALTER LOGIN sa WITH PASSWORD = '{p}';",
        "EXEC sp_addlogin 'svc_{w}', '{p}', 'shop';",
        "SET ECHO OFF\nCONNECT svc_{w}/\"{p}\"@orcl\nSELECT COUNT(*) FROM orders;",
    ), (
        "ALTER USER app IDENTIFIED BY '<password>';",
        "CREATE USER app WITH PASSWORD '${{DB_PASSWORD}}';",
        "CREATE LOGIN svc WITH PASSWORD = '********';",
        "-- each user is identified by its e-mail address",
        "SELECT password_hash FROM users WHERE id = 42;",
    )),
    "table": (("password",), (
        "user,password,role\nbob,{p},admin\nann,********,viewer",
        "id\tlogin\tpwd\n{n}\tsvc_{w}\t{p}",
        "| user | password |\n|---|---|\n| ann | {p} |",
        "INSERT INTO accounts (id, login, password) VALUES ({n}, '{w}', '{p}');",
        "| Host | db{n}.internal |\n| User | svc_{w} |\n| Password | {p} |",
    ), (
        "id,password_hash,created\n{n},{h},2024-01-02",
        "| field | type |\n|---|---|\n| password | string |",
        "user,password\nbob,<redacted>",
        "name,password_changed_at\n{w},2024-01-02",
        "| Password | ******** |",
        "| password | string | The user's password |",
    )),
    "connection_string": (("password",), (
        "Server=db{n}.internal;Database=shop;User Id=app;Password={p};",
        "Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:sql{n};Uid=etl;Pwd={p};Encrypt=yes;",
        "Data Source=orders;Initial Catalog=sales;User ID=rw;Password=\"{p}\";",
        "host=pg{n} port=5432 dbname=metrics user=grafana password={p} sslmode=require",
        "jdbc:sqlserver://mssql{n}:1433;databaseName=crm;user=crm;password={p};",
        "Provider=SQLOLEDB;Data Source=legacy;User Id=sa;Pwd={p};",
    ), (
        "Server=db1;Database=shop;Integrated Security=true;",
        "Server=db1;Database=shop;User Id=app;Password=${{DB_PASS}};",
        "host=pg1 port=5432 dbname=metrics user=grafana password= sslmode=require",
        "password=changeme",
    )),
    "curl": (("password",), (
        "curl -u deploy:{p} https://ci.example.test/api/builds",
        "curl --user admin:{p} -X POST https://registry.example.test/v2/",
        "curl -s -u \"ops:{p}\" https://metrics.example.test/query",
        "curl -fsSL \\\n  --user svc_{w}:{p} \\\n  https://artifacts.example.test/pkg.tgz",
    ), (
        "curl -u $USER:$PASS https://ci.example.test/api",
        "curl --digest -u admin https://intranet.example.test/",
        "curl -u user:<password> https://api.example.test",
        "curl -H 'Accept: application/json' https://api.example.test/v1/items",
    )),
    "http_auth": (("password", "generic_secret"), (
        "Authorization: Basic {b}",
        "Proxy-Authorization: Basic {b}",
        "Authorization: Bearer {s}",
        "headers = {{\"Authorization\": \"Bearer {s}\"}}",
        "Authorization: token {s}",
    ), (
        "Authorization: Bearer <token>",
        "Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=",
        "the bearer of this letter is authorized to collect the parcel",
        "Authorization: Bearer ${{ACCESS_TOKEN}}",
    )),
    "assignment": (("password", "generic_secret"), (
        "variable \"db_password\" {{\n  type      = string\n  default   = \"{p}\"\n  sensitive = true\n}}\n",
        "DB_PASSWORD ::= \"{p}\"",
        "API_TOKEN :::= {s}",
        "System.setProperty(\"SERVICE_TOKEN\", \"{s}\");",
        "<authToken>\n    {s}\n</authToken>",
        "{{\"config\": \"{{\\\"api_secret\\\": \\\"{s}\\\"}}\"}}",
        "#define DEVICE_PASSWORD \"{p}\"",
        "dbPassword := \"{p}\"",
        "os.Setenv(\"UPLOAD_TOKEN\", \"{s}\")",
        "props.put(\"db.password\", \"{p}\");",
        "android {{\n  signingConfigs {{\n    release {{\n      storePassword '{p}'\n    }}\n  }}\n}}",
        "bind 127.0.0.1\nrequirepass {p}\n",
        "npm config set //registry{n}.test/:_authToken {s}",
        "mount -t cifs //fs{n}/share /mnt/{w} -o username=svc_{w},password={p},vers=3.0",
        "{{:user \"svc_{w}\" :password \"{p}\"}}",
        "(setq smtpmail-auth-password \"{p}\")",
        "db:\n  password: !!str {s}\n",
        "state=user%3Dsvc_{w}%26password%3D{s}%26next%3D%2F",
        "SECRET_KEY = 'django-insecure-{s}&(x)'",
        "network={{\n  ssid=\"{w}\"\n  psk=\"{p}\"\n}}",
        "setenv API_TOKEN {s}",
        "db.url jdbc:h2:mem:{w}\ndb.password {s}\n",
        "<Connector port=\"8443\" keystorePass=\"{p}\"/>",
        "<UserAccounts>\n  <AdministratorPassword>\n    <Value>{p}</Value>\n    <PlainText>true</PlainText>\n  </AdministratorPassword>",
        "  \"source\": [\"import db\\n\", \"conn = db.connect(user=\\\"svc_{w}\\\", password=\\\"{p}\\\")\\n\"]",
        "{{\"cell\": \"API_SECRET = \\\"{s}\\\"\\n\"}}",
    ), (
        "<AdministratorPassword>\n  <Value>*SENSITIVE*DATA*DELETED*</Value>\n</AdministratorPassword>",
        "variable \"db_password\" {{\n  type      = string\n  sensitive = true\n}}\n",
        "primaryKey := \"{s}\"",
        "<csrf-token>{s}</csrf-token>",
        "bucket_key ::= \"{s}\"",
        "TOKEN ::= ENC[AES256_GCM,data:Zm9vYmFy,iv:YWJj,tag:ZGVm,type:str]",
        "PASSWORD ::= \"abcdefghijklmnop\"",
        "publicToken := \"{s}\"",
        "#define PASSWORD_LENGTH 16",
        "credentialId := \"{s}\"",
        "{{:password pw :user user}}",
        "(check-password \"{w}\")",
        "password: !secret db_password",
        "next=%2Flogin%3Fpassword%3D",
        "key_mgmt=WPA-PSK",
        "the db.password field is required",
        "  \"source\": [\"password = getpass.getpass(\\\"Password: \\\")\\n\"]",
    )),
    "powershell": (("password",), (
        "$pwd = ConvertTo-SecureString \"{p}\" -AsPlainText -Force",
        "$cred = New-Object PSCredential('svc', (ConvertTo-SecureString -String '{p}' -AsPlainText -Force))",
        "Set-Variable -Name DbPassword -Value \"{p}\" -Scope Script",
    ), (
        "$pwd = ConvertTo-SecureString $env:SVC_PASSWORD -AsPlainText -Force",
        "$pwd = Read-Host -AsSecureString",
        "Set-Variable -Name password -Value (Read-Host -AsSecureString)",
    )),
    "name_value": (("password", "generic_secret"), (
        "env:\n  - name: DB_PASSWORD\n    value: \"{p}\"\n",
        "- name: API_TOKEN\n  value: {s}\n",
        "{{\"name\": \"SMTP_PASSWORD\", \"value\": \"{p}\"}}",
        "\"credentials\": [{{\"type\": \"password\", \"value\": \"{p}\", \"temporary\": false}}]",
        "{{\"key\": \"api_key\", \"value\": \"{s}\", \"enabled\": true}}",
        "env {{\n  name  = \"{w}_SECRET\"\n  value = \"{s}\"\n}}",
        "<property>\n  <name>fs.s3a.secret.key</name>\n  <value>{s}</value>\n</property>",
    ), (
        "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db\n      key: password\n",
        "{{\"key\": \"api_key\", \"value\": \"{{{{api_key}}}}\"}}",
        "- name: TOKEN_TTL\n  value: \"3600\"\n",
        "{{\"name\": \"primaryKey\", \"value\": \"{s}\"}}",
        "<name>hadoop.security.authentication</name>\n<value>kerberos</value>",
    )),
    "credential_call": (("password",), (
        "my $dbh = DBI->connect(\"dbi:Pg:dbname={w}\", \"svc_{w}\", \"{p}\");",
        "keyring.set_password(\"{w}\", \"svc_{w}\", \"{p}\")",
        "auth = HTTPBasicAuth(\"svc_{w}\", \"{p}\")",
        "r = requests.get(url, auth=(\"admin\", \"{p}\"))",
        "var cred = new NetworkCredential(\"svc\", \"{p}\");",
        "smtp.login(SENDER, \"{p}\")",
        "Connection c = DriverManager.getConnection(url, \"app\", \"{p}\");",
        "$pdo = new PDO($dsn, 'svc_{w}', '{p}');",
        "$db = mysqli_connect(\"db{n}\", \"svc_{w}\", \"{p}\", \"{w}\");",
        "define('DB_PASSWORD', '{p}');",
        "db, err := sql.Open(\"mysql\", \"app:{p}@tcp(db{n}:3306)/{w}\")",
        "password <- \"{p}\"",
        ".header(\"Authorization\", Credentials.basic(\"ci_{w}\", \"{p}\"))",
        "db = MySQLdb.connect(\"db{n}\", \"svc_{w}\", \"{p}\", \"{w}\")",
        "con = cx_Oracle.connect(\"svc_{w}\", \"{p}\", \"db{n}:1521/orcl\")",
        "jedis.auth(\"{p}\");",
        "request(app).get('/{w}').auth('svc_{w}', '{p}')",
        "ldap_bind($ds, \"cn=admin,dc={w},dc=test\", \"{p}\");",
        "headers.setBasicAuth(\"svc_{w}\", \"{p}\");",
    ), (
        "db = MySQLdb.connect(host, user, passwd, \"{w}\")",
        "request(app).get('/{w}').auth('svc_{w}', password)",
        "auth = HTTPBasicAuth(user, password)",
        "server.login(user, pwd)",
        "define('DB_PASSWORD', 'password_here');",
        "dsn := fmt.Sprintf(\"%s:%s@tcp(%s)/%s\", user, pass, host, db)",
        "r = requests.get(url, auth=(\"user\", \"\"))",
    )),
    "command": (("password", "generic_secret"), (
        "ldapsearch -x -D \"cn=admin,dc={w},dc=test\" -w {p} -b dc={w}",
        "redis-cli -h cache{n} -a {p} ping",
        "hydra -l svc_{w} -p {p} ssh://10.0.{n}.4",
        "nmcli dev wifi connect {w}-net password {p}",
        "wpa_passphrase {w}-net {p} >> /etc/wpa_supplicant/wpa_supplicant.conf",
        "impacket-wmiexec corp/svc_{w}:{p}@10.0.{n}.7",
        "sqlcmd -S db{n} -U sa -P \"{p}\" -Q \"select 1\"",
        "smbclient //fs{n}/share -U svc_{w}%{p}",
        "echo '{p}' | docker login registry{n}.test -u svc_{w} --password-stdin",
        "echo \"{p}\" | sudo -S systemctl restart {w}",
        "echo 'svc_{w}:{p}' | chpasswd",
        "mysqladmin -u root password '{p}'",
        "net use Z: \\\\fs{n}\\share \"{p}\" /user:svc_{w}",
        "schtasks /create /tn {w} /ru svc_{w} /rp \"{p}\" /tr b.cmd /sc daily",
        "openssl enc -aes-256-cbc -salt -k '{p}' -in {w}.sql -out {w}.enc",
        "vault login -no-print {s}",
        "ssh-keygen -t ed25519 -N \"{p}\" -f ~/.ssh/{w}",
        "sqlplus -s svc_{w}/{s}@//db{n}:1521/XE @report.sql",  # an unquoted Oracle password holds no @
        "lftp -u svc_{w},{p} ftp{n}.test",
        "jarsigner -keystore {w}.jks -storepass {p} app.apk release",
        "spawn ssh svc_{w}@host{n}\nexpect \"*assword:\"\nsend \"{p}\\r\"\ninteract",
        "hostname sw{n}\n!\nenable secret {p}\nusername admin privilege 15 password 0 {p}\n!",
        "snmp-server community {s} RO\nsnmp-server location rack{n}",
    ), (
        "Options:\n  -u, --user TEXT      The user\n  -p, --password TEXT  The password to use\n",
        "hostname sw{n}\nenable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0\nsnmp-server community public RO",
        "redis-cli -a $REDIS_PASSWORD ping",
        "net user {w} * /add",
        "ldapsearch -x -W -b dc={w} | grep -w {w}",
        "echo -n \"$REGISTRY_PASSWORD\" | docker login -u {w} --password-stdin",
        "cat ~/.{w}_pw | docker login -u {w} --password-stdin",
        "net use Z: \\\\fs{n}\\share * /user:{w}",
        "vault login -method=userpass username={w}",
    )),
    "env_default": (("password", "generic_secret"), (
        "DB_PASSWORD = os.getenv(\"DB_PASSWORD\", \"{p}\")",
        "'password' => env('DB_PASSWORD', '{p}'),",
        "const token = process.env.API_TOKEN_{n} || \"{s}\";",
        "  POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD:-{p}}}",
        "spring.datasource.password=${{DB_PASS_{n}:{p}}}",
    ), (
        "DB_PASSWORD = os.getenv(\"DB_PASSWORD\", \"changeme\")",
        "timeout = os.getenv(\"TOKEN_TTL\", \"3600\")",
        "PASSWORD=${{DB_PASSWORD:-$FALLBACK}}",
        "server.port=${{PORT_{n}:8080}}",
    )),
    "fallback": (("password",), (
        "password = getpass() or \"{p}\"",
        "pw = input(\"Password for {w}: \") or \"{p}\"",
        "pw = args.{w}_password or '{p}'",
        "$pw = $_ENV['{w}_DB_PASS'] ?? '{p}';",
        "val pw = System.getenv(\"DB_PASS_{n}\") ?: \"{p}\"",
        "password = kwargs.get(\"password\", \"{p}\")",
        "  password: \"{{{{ {w}_db_password | default('{p}') }}}}\"",
        "pw = config.get(\"{w}\", \"password\", fallback=\"{p}\")",
    ), (
        "password = getpass() or \"\"",
        "user = args.{w}_user or \"guest\"",
        "if not password or \"{w}\" in roles:",
        "kwargs.get(\"password\", None)",
    )),
    "form_fill": (("password",), (
        "driver.find_element(By.ID, \"password\").send_keys(\"{p}\")",
        "cy.get('#password').type('{p}')",
        "await page.fill(\"#{w}-password\", \"{p}\");",
        "fill_in \"Password\", with: \"{p}\"",
        "await user.type(screen.getByLabelText(/password/i), \"{p}\")",
    ), (
        "cy.get('#password').type('{{enter}}')",
        "page.fill(\"#password\", password)",
        "fill_in \"Username\", with: \"svc_{w}\"",
    )),
    "comparison": (("password",), (
        "if (strcmp(password, \"{p}\") == 0)",
        "if (user.getPassword().equals(\"{p}\")) {{",
        "assertEquals(\"{p}\", {w}User.getPassword());",
    ), (
        "strcmp(password, confirm)",
        "assertEquals(\"password\", field.getName());",
        "input.getAttribute(\"type\").equals(\"password\")",
    )),
    "markup": (("password", "generic_secret"), (
        "<table>\n<tr><td>Host</td><td>db{n}.internal</td></tr>\n<tr><td>Password</td><td>{p}</td></tr>\n</table>",
        "**Server:** db{n}.internal  \n**Password:** {p}\n",
        "<div data-config=\"{{&quot;password&quot;:&quot;{p}&quot;,&quot;user&quot;:&quot;{w}&quot;}}\"></div>",
        "<pre><code>db_password = &#39;{p}&#39;</code></pre>",
        "&lt;password&gt;{p}&lt;/password&gt;",
        "<config>\n  <password><![CDATA[{p}]]></password>\n</config>",
        "<a href=\"/login?user={w}&amp;password={p}&amp;next=/\">sign in</a>",
        "<input type=\"hidden\" value=\"{{&quot;api_token&quot;: &quot;{s}&quot;}}\">",
    ), (
        "<tr><th>Password</th><th>Description</th></tr>\n<tr><td>password</td><td>The user's password</td></tr>",
        "**Password:** must be at least 12 characters\n",
        "<p>Enter your password &amp; confirm it.</p>",
        "&lt;password&gt;&lt;/password&gt;",
        "<input type=\"password\" placeholder=\"&quot;Password&quot;\">",
        "<![CDATA[ if (a && b) {{ run(); }} ]]>",
    )),
    "languages": (("password",), (
        "contraseña: {p}",
        "Пароль: {p}",
        "密码：{p}",
        "Senha = '{p}'",
        "パスワード: {p}",
    ), (
        "senha: obrigatória",
        "密码：请输入",
        "Пароль: ********",
        "la contraseña: debe tener 8 caracteres",
    )),
    "session_cookie": (("generic_secret",), (
        "Cookie: lang=en; sessionid={s}; csrftoken=x1",
        "curl -b \"PHPSESSID={s}\" https://{w}.example.test/",
        "Set-Cookie: JSESSIONID={s}; Path=/; HttpOnly",
    ), (
        "session_timeout=1800",
        "PHPSESSID=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT",
        "session.save_path=/var/lib/php/sessions",
    )),
    "kubernetes": (("password", "generic_secret"), (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-{w}\ntype: Opaque\ndata:\n  password: {k}\n"
        "  username: YWRtaW4=\n",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-{w}\ndata:\n  api-token: {k}\n",
    ), (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  password: c2VjcmV0Cg==\n",
        "apiVersion: v1\nkind: Secret\ndata:\n  username: YWRtaW4=\n  host: ZGIuaW50ZXJuYWw=\n",
    )),
    "netrc": (("password",), (
        "machine api.{w}.test\n  login deploy\n  password {p}\n",
        "machine git.example.test login ci password {p}",
    ), (
        "machine api.example.test login deploy",
        "the machine room password policy is on the wiki",
    )),
    "pgpass": (("password",), (
        "db{n}.internal:5432:shop:app:{p}",
        "*:*:*:replicator:{p}",
    ), (
        "12:30:45:00:11",
        "db1.internal:5432:shop:app:*",
    )),
    "docker_auth": (("password",), (
        "{{\"auths\": {{\"registry.example.test\": {{\"auth\": \"{b}\"}}}}}}",
        "{{\n  \"auths\": {{\n    \"ghcr.io\": {{\n      \"auth\": \"{b}\"\n    }}\n  }}\n}}",
    ), (
        "{{\"auths\": {{\"registry.example.test\": {{\"auth\": \"\"}}}}}}",
        "{{\"credsStore\": \"desktop\"}}",
    )),
    "npmrc": (("password",), (
        "registry=https://npm.example.test/\n_auth = {b}\nalways-auth=true\n",
        "//npm.{w}.test/:_auth=\"{b}\"",
    ), (
        "_auth=${{NPM_AUTH}}\nalways-auth=true",
        "//npm.example.test/:_authToken=${{NPM_TOKEN}}",
    )),
    "tuple_pair": (("password", "generic_secret"), (
        "resp = session.post(login_url, data=[(\"username\", \"{w}\"), (\"password\", \"{p}\")])",
        "PARAMS = ((\"api_key\", \"{s}\"), (\"format\", \"json\"))",
        "[{{rabbit, [{{default_user, <<\"{w}\">>}}, {{default_pass, <<\"{p}\">>}}]}}].",
        "config :{w}, {{:password, \"{p}\"}}",
        "const std::map<std::string, std::string> kCreds = {{{{\"password\", \"{p}\"}}}};",
    ), (
        "PASSWORD_CHOICES = [(\"password\", \"Password\"), (\"token\", \"Token\")]",
        "fields = [\"password\", \"confirm_password\"]",
        "\"{w}\": [\"query_key_value\", \"dense_4h_to_h\"],",
        "[{{rabbit, [{{default_pass, <<\"\">>}}]}}].",
    )),
    "jwk": (("private_key",), (
        "{{\"kty\": \"EC\", \"crv\": \"P-256\", \"kid\": \"{w}-{n}\", \"d\": \"{s}\"}}",
        "JWT_SIGNING_KEY='{{\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":\"{s}\"}}'",
        "<RSAKeyValue><Exponent>AQAB</Exponent><D>{s}</D></RSAKeyValue>",
    ), (
        "{{\"kty\": \"RSA\", \"kid\": \"{w}-{n}\", \"e\": \"AQAB\", \"use\": \"sig\"}}",
        "{{\"d\": \"2024-0{n}-01\", \"p\": \"{w}\"}}",
    )),
    "seed_phrase": (("generic_secret",), (
        "Hi, I lost access to my wallet. My recovery phrase is {m}, can you help?",
        "MNEMONIC=\"{m}\"",
        "{{\"wallet\": \"{w}\", \"mnemonic\": \"{m}\"}}",
    ), (
        "seed: abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        "seed the staging database with the fixture rows, then run the report job again",
        "Never share your recovery phrase with anyone, not even support staff.",
    )),
    "yaml_block": (("password", "generic_secret"), (
        "deploy:\n  credentials:\n    svc_{w}: {p}\n    ops: ${{OPS_PASSWORD}}\n",
        "db:\n  host: db{n}.internal\n  password: |\n    {p}\n  user: app\n",
        "{w}:\n  api_token: >-\n    {s}\n",
        "#cloud-config\nchpasswd:\n  list: |\n    svc_{w}:{p}\n  expire: false\n",
        "{w}:\n  host: db{n}.internal\n  password: !!binary {k}\n",
        "{w}:\n  password: !!binary |\n    {k}\n  port: 5432\n",
    ), (
        "users:\n  {w}: admin\n  ops: 100{n}\ncredentials:\n  client: {w}-app\n  region: eu-west-{n}\n",
        "password: |\n  changeme\n",
        "script: |\n  make {w}\n",
        "#cloud-config\nchpasswd:\n  list: |\n    {w}:RANDOM\n",
        "tls_key: |\n  MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n  BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n",
    )),
    "short_keyed": (("password", "generic_secret"), (
        "token: {q}",
        "secret={q}",
        "PSWD:={q}",
        "pwd: {q}",
        "signing_key = {q}",
        "secret: !!str {q}",
        "config[\"secret\"] = \"{q}\"",
        "GET /v1/items?api_key={q}&format=json HTTP/1.1",
        "credentials: svc_{w}:{p}",
        "Ticket {n} (resolved)\nLogin: svc_{w} / {p}\nPlease rotate it.",
        "Hi, you can log in with svc_{w} / {p} until Friday.",
        "the creds are svc_{w}:{p}",
    ), (
        "token: abcdefgh",
        "tokens[{n}] = {q}",
        "defaults:\n  pass: &{w}_pass\nprod:\n  password: *{w}_pass",
        "cache[\"key\"] = \"{q}\"",
        "Login: yes / no",
        "Sign in with Google / GitHub or e-mail.",
        "account: {w} / prod-eu-{n}",
        "secret=12345678",
        "token: xxxxxxxx",
        "PSWD:=########",
        "csrf-token: {q}",
        "cache_key: {q}",
        "sort_key = {q}",
        "token: --digest",
        "firstPass = 0.{n}5",
        "secret=&quot;abc",
        "SECRET_KEY=REPLACE_ME",
        "password = get_password()",
    )),
    # (families added at stop 43 come last: the families above keep their random draws)
    "sql_variable": (("password", "generic_secret"), (
        "DECLARE @pwd NVARCHAR(50) = N'{p}';\nEXEC sp_{w}_login @pwd;",
        "SET @api_key = '{s}';",
    ), (
        "SET @password = @new_password;",
        "DECLARE @token VARCHAR(64) = NEWID();",
    )),
    "table_column": (("password", "generic_secret"), (
        "| DB Password (prod) | {p} |",
        "service,api_token,owner\n{w},{s},ops",
    ), (
        "| Password (hash) | sha256 |",
        "    yield before, orig_token\n    yield {w}.base, SYNTAX\n    yield from f({w}, VARIABLE)",
    )),
    "signing_key": (("generic_secret",), (
        "token = jwt.encode({{\"sub\": \"{w}\"}}, \"{s}\", algorithm=\"HS256\")",
        "const sig = crypto.createHmac('sha256', '{s}').update(body).digest('hex');",
        "Algorithm algorithm = Algorithm.HMAC256(\"{s}\");",
        "mac := hmac.New(sha256.New, []byte(\"{s}\"))",
    ), (
        "jwt.sign(payload, process.env.JWT_SECRET, {{ expiresIn: '1h' }})",
        "digest = hmac.new(key, msg, hashlib.sha256).hexdigest()",
        "seed = hmac.new(b\"Bitcoin seed\", seed, digestmod=hashlib.sha512).digest()",
    )),
    "secret_store": (("generic_secret",), (
        "az keyvault secret set --vault-name kv-{w} --name db --value \"{s}\"",
        "aws ssm put-parameter --name /{w}/db --value '{s}' --type SecureString --overwrite",
        "gh secret set API_TOKEN --repo acme/{w} --body \"{s}\"",
    ), (
        "aws ssm put-parameter --name /{w}/region --value eu-west-{n} --type String",
        "aws secretsmanager create-secret --name {w} --secret-string file://secret.json",
        "gh secret set API_TOKEN < token.txt",
    )),
    "config_file": (("password", "generic_secret"), (
        "\"adminPassword\": {{\"type\": \"securestring\", \"defaultValue\": \"{p}\"}}",
        "  DBPassword:\n    Type: String\n    NoEcho: true\n    Default: \"{p}\"\n",
        "poll mail{n}.example.test protocol imap user \"svc_{w}\" password \"{p}\"",
        "[smtp{n}.example.test]:587 svc_{w}:{p}",
        "rocommunity {s} default",
    ), (
        "\"adminUsername\": {{\"type\": \"string\", \"defaultValue\": \"{w}\"}}",
        "  DBPassword:\n    Type: String\n    Default: '{{{{resolve:secretsmanager:{w}:SecretString:password}}}}'\n",
        "rocommunity public default",
    )),
    "language_sentence": (("password",), (
        "Hola, la contraseña es {p} para el servidor {w}.",
        "Das Passwort ist {p} (bitte nach dem Login ändern)",
        "le mot de passe est {p}",
        "新的密码是{p}",
    ), (
        "la contraseña es incorrecta",
        "Das Passwort ist mindestens 8 Zeichen lang",
        "密码是必填项",
    )),
    "dialogue": (("password",), (
        "User: what's the wifi password?\nAssistant: It's {p} (case sensitive)",
        "Q: What is the root password for the {w} database?\nA: {p}\n",
        "[09:14] ana: what's the {w} vpn pw?\n[09:15] raj: sure, {p}\n",
    ), (
        "Forgot your password?\nClick here to reset it.",
        "Q: Can I change my password?\nA: Yes, in Settings > Security.",
        "What's the password for {w}?\nA: ask the on-call engineer",
    )),
    "sql_dump": (("password",), (
        "CREATE TABLE `{w}_users` (\n  `id` int NOT NULL,\n  `login` varchar(64),\n  `password` varchar(255),\n"
        "  PRIMARY KEY (`id`)\n);\nINSERT INTO `{w}_users` VALUES (1,'ops','{p}');\n",
        "COPY public.{w}_accounts (id, login, password) FROM stdin;\n7\tops\t{p}\n\\.\n",
    ), (
        "CREATE TABLE {w}_users (id int, password_hash text);\nINSERT INTO {w}_users VALUES (1, '{h}');\n",
        "Copy the {w} report (see below) to the share.",
    )),
}  # fmt: skip
VENDOR_NEGATIVES = (
    "the build id is {h} and it finished in 42 s",
    "commit {h} fixes the parser",
    "request-id: {u}",
)


def _password(rng: random.Random) -> str:
    while True:
        n = rng.randint(10, 16)
        value = "".join(rng.choice(string.ascii_letters + string.digits + _SYMBOLS) for _ in range(n))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value) and value[0].isalnum():
            return value


def _token(rng: random.Random, n: int = 0) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n or rng.randint(24, 40)))


def _short(rng: random.Random) -> str:
    """A short keyword-paired value as the format defines it: letters and digits, above the entropy floor
    of its length (a draw like ``WK44i44Ok3b``, 2.73 bits against 2.77, is by definition no finding)."""
    while True:
        value = "".join(
            rng.choice(string.ascii_letters + string.digits + "#%") for _ in range(rng.randint(8, 12))
        )
        mixed = sum(map(bool, (set(value) & set(string.digits), set(value) & set(string.ascii_letters)))) == 2
        if mixed and shannon_entropy(value) >= min_entropy(len(value)):
            return value


def _fields(rng: random.Random) -> dict[str, str]:
    p = _password(rng)
    return {
        "p": p, "s": _token(rng), "q": _short(rng), "n": str(rng.randint(1, 40)),
        "b": base64.b64encode(f"svc{rng.randint(1, 99)}:{p}".encode()).decode(),
        "k": base64.b64encode(p.encode()).decode(), "w": rng.choice(("billing", "orders", "ledger", "search")),
        "h": "".join(rng.choice("0123456789abcdef") for _ in range(40)),
        "m": _mnemonic_phrase(rng),
        "u": "-".join("".join(rng.choice("0123456789abcdef") for _ in range(k)) for k in (8, 4, 4, 4, 12)),
    }  # fmt: skip


def _mnemonic_phrase(rng: random.Random) -> str:
    from mnemonic import Mnemonic

    return str(Mnemonic("english").to_mnemonic(rng.randbytes(rng.choice((16, 32)))))  # 12 or 24 words


def _value_field(template: str) -> str | None:
    for f in ("p", "s", "b", "k", "q", "m"):
        if "{" + f + "}" in template:
            return f
    return None


_VENDOR_CONTEXTS = (
    "export {env}={v}",
    '{{"{key}": "{v}"}}',
    'client = Client("{v}")',
    "use {v} for the staging account",
    "{key}: {v}",
)


def vendor_samples(providers: int, rng: random.Random) -> list[tuple[str, str, str, str]]:
    """``(provider, secret type, text, value)`` for up to ``providers`` providers, one of their rules
    each, with a fresh value: in the rule's own example around it when the rule needs its keyword,
    otherwise in one of a few everyday contexts (an export, JSON, code, prose, YAML)."""
    by_provider: dict[str, list[VendorRule]] = {}
    for r in load_rules():
        by_provider.setdefault(r.provider, []).append(r)
    names = sorted(by_provider)
    rng.shuffle(names)
    out = []
    for name in names[:providers]:
        rules = by_provider[name]
        rng.shuffle(rules)
        for rule in rules:
            value = fake_for_rule(rule, rng)
            if value is None:
                continue
            if rule.keywords or rule.group != 0:
                text = rule.example.replace(rule.secret, value)
            else:
                key = name.upper().replace("-", "_") + "_TOKEN"
                text = rng.choice(_VENDOR_CONTEXTS).format(env=key, key=key.lower(), v=value)
            out.append((name, rule.secret_type, text, value))
            break
    return out


def formats_corpus(
    seed: int = 0, per_template: int = 3, providers: int = 150, negatives_per_template: int = 3
) -> SynthCorpus:
    """One document per planted snippet (a positive or a decoy) between two filler paragraphs."""
    rng = random.Random(seed)
    records: list[dict[str, str]] = []
    planted: list[Planted] = []
    decoys: list[Decoy] = []
    prose = FILLER_STYLES["prose"]

    def add(snippet: str, family: str, value: str | None, types: tuple[str, ...]) -> None:
        head, tail = prose(rng) + "\n\n", "\n\n" + prose(rng)
        doc = len(records)
        text = head + snippet + tail
        records.append({"text": text})
        if value is None:
            decoys.append(Decoy(doc, len(head), len(head) + len(snippet), family))
            return
        at = text.find(value, len(head))
        while at >= 0 and at < len(head) + len(snippet):
            planted.append(Planted(Label(doc, at, at + len(value), types[0]), family))
            at = text.find(value, at + len(value))

    for family, (types, positives, negatives) in FAMILIES.items():
        for template in positives:
            for _ in range(per_template):
                fields = _fields(rng)
                field = _value_field(template)
                add(template.format(**fields), family, fields[field] if field else None, types)
        for template in negatives:
            for _ in range(negatives_per_template):
                add(template.format(**_fields(rng)), family, None, types)
    for provider, type_, snippet, value in vendor_samples(providers, rng):
        add(snippet, f"vendor/{provider}", value, (type_,))
    for template in VENDOR_NEGATIVES:
        for _ in range(negatives_per_template):
            add(template.format(**_fields(rng)), "vendor", None, (DEFAULT_TYPE,))
    assert set(SPECS) >= {t for ts, _, _ in FAMILIES.values() for t in ts}
    return SynthCorpus(records, planted, decoys)
