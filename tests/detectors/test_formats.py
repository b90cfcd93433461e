"""Real-world credential formats: one (payload, secret-or-None) table per detector, positives and hard
negatives, every value invented here. Detectors run the way the scanner runs them: only on windows
around their keywords and triggers, overlaps resolved by priority."""

from __future__ import annotations

import base64
import re

import pytest
from detector_support import windows
from support import CPU_CEILING, linear_cpu_seconds

from sanitize.detectors import formats, hard_negatives, scripts
from sanitize.detectors.base import Detector


def b64(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


def found(text: str, detectors: list[Detector] | None = None) -> list[tuple[str, str]]:
    """(secret_type, value) of every finding, overlaps resolved as the scanner does."""
    hits = []
    for d in detectors or formats.all_detectors():
        for ws, we in windows(d, text):
            hits += [(s, e, d) for s, e, _ in d.find(text, ws, we)]
    hits.sort(key=lambda h: (h[0], -h[2].priority, h[0] - h[1]))
    kept: list[tuple[int, int, Detector]] = []
    for h in hits:
        if kept and h[0] < kept[-1][1]:
            if (h[2].priority, h[1] - h[0]) > (kept[-1][2].priority, kept[-1][1] - kept[-1][0]):
                kept[-1] = h
            continue
        kept.append(h)
    return [(d.secret_type, text[s:e]) for s, e, d in kept]


K8S = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: shop-db\ntype: Opaque\ndata:\n"
    f"  password: {b64('Sx9#mK2vQ')}\n  api-token: {b64('k3Jf9QzL2mXv8Rt5')}\n  username: {b64('admin')}\n"
)
K8S_CONFIGMAP = K8S.replace("kind: Secret", "kind: ConfigMap")
K8S_PLACEHOLDER = "kind: Secret\ndata:\n  password: " + b64("changeme") + "\n"

TABLES: dict[str, list[tuple[str, str | None]]] = {
    "sql": [
        ("GRANT ALL ON shop.* TO 'app'@'%' IDENTIFIED BY 'Tr0ub4dor&3';", "Tr0ub4dor&3"),
        ("CREATE USER report IDENTIFIED BY Lq8vZ2mx;", "Lq8vZ2mx"),
        ("CREATE USER app WITH PASSWORD 'k9#mQ2vL';", "k9#mQ2vL"),
        ("CREATE ROLE etl WITH ENCRYPTED PASSWORD 'Wv3!pQ8z' LOGIN;", "Wv3!pQ8z"),
        ("CREATE LOGIN svc_etl WITH PASSWORD = N'Zq8!rT4u', CHECK_POLICY = OFF;", "Zq8!rT4u"),
        ("ALTER ROLE reporting PASSWORD 'v7Lp2Qx9';", "v7Lp2Qx9"),
        ("ALTER USER app IDENTIFIED BY '<password>';", None),
        ("CREATE USER app WITH PASSWORD '${DB_PASSWORD}';", None),
        ("CREATE LOGIN svc WITH PASSWORD = '********';", None),
        ("-- the user is identified by its e-mail address", None),
        ("CREATE USER app IDENTIFIED BY :app_password;", None),  # a bind variable
        ("ALTER USER 'app'@'%' IDENTIFIED WITH mysql_native_password BY 'Tr0ub4dor&3';", "Tr0ub4dor&3"),
        ("CREATE USER 'app'@'localhost'\n  IDENTIFIED BY 'Tr0ub4dor&3';", "Tr0ub4dor&3"),
        ("CREATE DATABASE LINK crm CONNECT TO app IDENTIFIED BY Lq8vZ2mx USING 'crm';", "Lq8vZ2mx"),
        ('"""Restart the stack frame identified by `frameId`."""', None),  # prose, a backquoted name
        ("Delete subshell identified by subshell_id.", None),
        ("The row identified by 'Kx9_key2' is removed.", None),  # no statement it belongs to
        ("DECLARE @pwd NVARCHAR(50) = 'Qz8#kL2mXv9';", "Qz8#kL2mXv9"),  # T-SQL variables
        ("SET @password = N'Qz8#kL2mXv9';", "Qz8#kL2mXv9"),
        (
            "DECLARE @api_key VARCHAR(MAX); SET @api_key = 'b7c9e2f4a1d84e6f9c3b5a7d2e4f6a8c';",
            "b7c9e2f4a1d84e6f9c3b5a7d2e4f6a8c",
        ),
        ("DECLARE @password NVARCHAR(128);", None),
        ("SET @password = @new_password;", None),  # another variable
        ("SET @pwd = (SELECT pwd FROM users WHERE id = 1);", None),
        ("DECLARE @token VARCHAR(64) = NEWID();", None),
    ],
    "connection strings": [
        ("Server=tcp:db.local,1433;Database=shop;User ID=sa;Password=Hx7#pQ2m;Encrypt=True;", "Hx7#pQ2m"),
        ("Driver={ODBC Driver 18};Server=db;Uid=app;Pwd={Kp3$9zLw};", "Kp3$9zLw"),
        ("Data Source=db01;Initial Catalog=crm;User Id=crm;Password='Vb4@nM8q';", "Vb4@nM8q"),
        ("jdbc:postgresql://db:5432/shop?user=app&password=Rt5vB8nQ&ssl=true", "Rt5vB8nQ"),
        ("jdbc:sqlserver://db:1433;databaseName=shop;user=app;password=Gz6%kT3w;", "Gz6%kT3w"),
        ("host=db.internal port=5432 user=app password=Lm4kP9qz dbname=shop", "Lm4kP9qz"),
        ("Server=db;Database=shop;Integrated Security=true;", None),
        ("Server=db;Database=shop;User ID=sa;Password=;", None),
        ("Server=db;Database=shop;User ID=sa;Password={your_password};", None),
    ],
    "curl": [
        ("curl -u deploy:Wq9zX3vB https://api.acme.test/v1", "Wq9zX3vB"),
        ("curl --user 'ops:Hy6&tR2p' https://acme.test", "Hy6&tR2p"),
        ("curl --proxy-user ops:Kd8wQ2zr -x proxy.acme.test:3128 https://acme.test", "Kd8wQ2zr"),
        (
            "curl -U ops:Kd8wQ2zr -x proxy.acme.test:3128 https://acme.test",
            "Kd8wQ2zr",
        ),  # -U: the proxy's user
        ("curl --user-agent Mozilla:5.0 https://acme.test", None),
        ("curl -s \\\n  --user=ci:Jk8mN2qW \\\n  https://acme.test", "Jk8mN2qW"),
        ('curl -X POST -u "svc-bot:Fq2#vL9m" https://acme.test/hook', "Fq2#vL9m"),
        ("curl -u admin: https://acme.test", None),  # password prompted
        ("curl -u $USER:$PASS https://acme.test", None),
        ("curl -u user:password https://acme.test", None),
        ("ssh -u deploy:Wq9zX3vB host", None),  # not curl
        ("curl https://acme.test\nuseradd -u deploy:Wq9zX3vB", None),  # next command
        ("http -a ops:Mz5qW8nLx3Tp GET https://acme.test/me", "Mz5qW8nLx3Tp"),  # HTTPie
        ("https --auth ops:Mz5qW8nLx3Tp acme.test/me", "Mz5qW8nLx3Tp"),
        ("http --auth-type=digest -a ops:Mz5qW8nLx3Tp acme.test", "Mz5qW8nLx3Tp"),
        ("http -a ops: acme.test", None),  # password prompted
        ("curl -a ops:Mz5qW8nLx3Tp https://acme.test", None),  # curl's -a is --append
        ("see http -a for the options", None),
        ("wget http://acme.test; sync -a ops:Mz5qW8nLx3Tp", None),  # http:// is no HTTPie command
    ],
    "http auth": [
        ("Authorization: Basic " + b64("admin:Pz7wQ3xk"), b64("admin:Pz7wQ3xk")),
        ("Proxy-Authorization: Basic " + b64("proxy:Gv5nR8tm"), b64("proxy:Gv5nR8tm")),
        ("headers = {'Authorization': 'Basic " + b64("api:Nc3$wQ7z") + "'}", b64("api:Nc3$wQ7z")),
        ("Authorization: Bearer 8fK2mQ9xL4vP7wZ3nR6tY1bC5dH0jS", "8fK2mQ9xL4vP7wZ3nR6tY1bC5dH0jS"),
        ("Proxy-Authorization: Bearer Zt5kQ8mW2xV9pL3nR7bY", "Zt5kQ8mW2xV9pL3nR7bY"),
        ('"Authorization": "Token 4cT9kW2mQ7xZ5vL8pR3n"', "4cT9kW2mQ7xZ5vL8pR3n"),
        ("Authorization: ApiKey Iz8kQ2mLx9Rt7Yp3Wn5Bc1Dh", "Iz8kQ2mLx9Rt7Yp3Wn5Bc1Dh"),  # Elasticsearch
        ("Authorization: SSWS 00Qz8kQ2mLx9Rt7Yp3Wn5Bc1Dh", "00Qz8kQ2mLx9Rt7Yp3Wn5Bc1Dh"),  # Okta
        ("Authorization: Splunk 5cT9kW2mQ7xZ5vL8pR3nQ", "5cT9kW2mQ7xZ5vL8pR3nQ"),  # Splunk HEC
        ("Authorization: ApiKey <api-key>", None),
        ("Authorization: Basic " + b64("no colon here"), None),
        ("Authorization: Basic " + b64("admin:changeme"), None),
        ('Authorization: Basic realm="shop"', None),
        ("Authorization: Bearer <token>", None),
        ("Authorization: Bearer ${ACCESS_TOKEN}", None),
        ("The bearer of this letter is a friend.", None),
        ("Authorization: Bearer xxxxxxxxxxxxxxxxxxxx", None),
    ],
    "assignments": [
        ('DB_PASSWORD ::= "Qw8#zX2v"', "Qw8#zX2v"),
        ("API_TOKEN :::= k3Jf9QzL2mXv8Rt5Wn", "k3Jf9QzL2mXv8Rt5Wn"),
        ('System.setProperty("SERVICE_TOKEN", "p9Xk2LmQ7vRt4WzN8b");', "p9Xk2LmQ7vRt4WzN8b"),
        ('os.Setenv("DB_PASSWORD", "Hm3#kP8v")', "Hm3#kP8v"),
        ('config.set("auth", "password", "Hm3#kP8v")', "Hm3#kP8v"),  # ConfigParser: section, option, value
        ('config.set("auth", "user", "bob")', None),
        ('std::string password{"Hm3#kP8v"};', "Hm3#kP8v"),  # C++ brace initialisation
        ('if (password) { return "Hm3#kP8v"; }', None),
        ("<key>APIToken</key>\n<string>p9Xk2LmQ7vRt4WzN8b</string>", "p9Xk2LmQ7vRt4WzN8b"),  # a property list
        ("<key>PublicKey</key>\n<string>p9Xk2LmQ7vRt4WzN8b</string>", None),
        ("<key>NSPasswordUsageDescription</key>\n<string>Needed</string>", None),
        ("<apiToken>\n    Zx9Kq2LmV7pRt4Wn8bYc\n</apiToken>", "Zx9Kq2LmV7pRt4Wn8bYc"),
        ("<ldapPassword>\n  Dq7!mX3k\n</ldapPassword>", "Dq7!mX3k"),
        (
            "<AdministratorPassword>\n  <Value>Ut5!r7Ew9Q</Value>\n  <PlainText>true</PlainText>",
            "Ut5!r7Ew9Q",
        ),  # unattend
        ("<Password><Value>Pm3#n5Kb7J</Value></Password>", "Pm3#n5Kb7J"),
        ("<AdministratorPassword>\n  <Value>*SENSITIVE*DATA*DELETED*</Value>", None),  # Windows' redaction
        (
            "<AdministratorPassword>\n  <Value>Fj8Wnd.Yfkdq7bR_</Value>",
            "Fj8Wnd.Yfkdq7bR_",
        ),  # element text is data
        ("<client_secret>Xk9vQ2.mLp8Rt7Yp3</client_secret>", "Xk9vQ2.mLp8Rt7Yp3"),
        ("<password>config.db.password</password>", None),  # a dotted name ending with a credential word
        ("<password>Db.Password</password>", None),
        ("<PasswordLength><Value>12</Value></PasswordLength>", None),
        ('"env": "DB_PASSWORD=Mk8#vT2q\\nDEBUG=1"', "Mk8#vT2q"),
        ('#define WIFI_PASSWORD "Bz6$kQ9p"', "Bz6$kQ9p"),
        ('dbPassword := "Vt3#mK8q"', "Vt3#mK8q"),
        ('$pwd = ConvertTo-SecureString "Rq5!xM2k" -AsPlainText -Force', "Rq5!xM2k"),
        ("$cred = ConvertTo-SecureString -String 'Yk7#pW2n' -AsPlainText -Force", "Yk7#pW2n"),
        ('-NewPassword (ConvertTo-SecureString -AsPlainText "Yk7#pW2n" -Force)', "Yk7#pW2n"),  # switch first
        ('ConvertTo-SecureString -AsPlainText -Force -String "Yk7#pW2n"', "Yk7#pW2n"),
        ("ConvertTo-SecureString -AsPlainText $plain -Force", None),
        ("<primaryKey>\n  Zx9Kq2LmV7pRt4Wn8bYc\n</primaryKey>", None),
        ("<key>ProductUserVisibleVersion</key>\n<string>10.9</string>", None),  # a property list's key name
        ("<apiKey>Zx9Kq2LmV7pRt4Wn8bYc</apiKey>", "Zx9Kq2LmV7pRt4Wn8bYc"),
        ("<apiToken>\n  Zx9Kq2LmV7pRt4Wn8bYc\n</otherTag>", None),
        ('csrfToken := "Zx9Kq2LmV7pRt4Wn8bYc"', None),
        ('System.setProperty("KEY_VAULT_NAME", "prod-vault-eu1");', None),
        ("PASSWORD ::= <letter> <digit>", None),  # a grammar
        ('DB_PASSWORD ::= "ENC[AES256_GCM,data:Qm9vbGVhbg==,iv:abcd,tag:efgh,type:str]"', None),
        ('dbPassword := os.Getenv("DB_PASSWORD")', None),
        ('#define PASSWORD_LENGTH "16"', None),
        ('    print(f"password={password!r}")', None),  # an f-string field
        ('        token = "unknown_%d" % b0', None),  # a format string
        ('    Token.Number: "#976806", # includes durations', None),  # a colour
        ('    TOKEN_EOF: "end of template",', None),  # words
        ('    API_TOKEN: "Kx9mQ2pLv7",', "Kx9mQ2pLv7"),
        ("#define XXH3_initCustomSecret XXH3_initCustomSecret_avx512", None),  # another macro
        ("# define kSecret XXH3_kSecret", None),
        ('# define ARROW_STATISTICS_KEY_MAX_VALUE_EXACT "ARROW:max_value:exact"', None),  # a key's name
        ('#define API_SECRET "Kx9:mQ2:pLv"', "Kx9:mQ2:pLv"),
        ("#define API_SECRET 0x7f3a9c1e5b2d8f4a6c0e1b3d5f7a9c2e", "0x7f3a9c1e5b2d8f4a6c0e1b3d5f7a9c2e"),
        ("$pwd = ConvertTo-SecureString $plain -AsPlainText -Force", None),
    ],
    "connection string trailing punctuation": [
        ("jdbc:sqlserver://db:1433;databaseName=crm;user=crm;password=rJksPlJ_fb7jhS.;", "rJksPlJ_fb7jhS."),
        ("Server=db;Database=shop;User Id=app;Password=Kq7!mZ2x)", "Kq7!mZ2x"),
    ],
    "name/value pairs": [
        ('env:\n  - name: DB_PASSWORD\n    value: "Kv8#Lx2q"\n', "Kv8#Lx2q"),
        ("environment:\n- name: API_TOKEN\n  value: Zx9Kq2LmV7pRt4Wn8bYc\n", "Zx9Kq2LmV7pRt4Wn8bYc"),
        ('{"name": "DB_PASSWORD", "value": "Tq4!mZ8x"}', "Tq4!mZ8x"),
        ('{"Name": "STRIPE_SECRET", "Value": "p9Xk2LmQ7vRt4WzN8b"}', "p9Xk2LmQ7vRt4WzN8b"),
        (
            '{"key": "api_key", "value": "f3a9c2e7b1d84f6a9c0e2b5d", "enabled": true}',
            "f3a9c2e7b1d84f6a9c0e2b5d",
        ),
        ('env {\n  name  = "SMTP_PASSWORD"\n  value = "Hm3#kP8v"\n}', "Hm3#kP8v"),
        (
            "<property>\n  <name>fs.s3a.secret.key</name>\n  <value>wJ7rXk2LmQ9vRt4WzN8bYc3Pd5Gf1Hs6Ju0Ki</value>\n</property>",
            "wJ7rXk2LmQ9vRt4WzN8bYc3Pd5Gf1Hs6Ju0Ki",
        ),
        ("- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db\n      key: password\n", None),
        ('{"name": "password", "value": ""}', None),
        (
            '"credentials": [{"type": "password", "value": "Tq4!mZ8x", "temporary": false}]',
            "Tq4!mZ8x",
        ),  # Keycloak
        ('{"designation": "password", "value": "Tq4!mZ8x", "type": "P"}', "Tq4!mZ8x"),  # 1Password
        ('{"type": "password", "value": "{{user_password}}"}', None),
        ('{"type": "text", "value": "Tq4!mZ8x"}', None),
        ('{"key": "api_key", "value": "{{api_key}}"}', None),
        ("- name: DB_PASSWORD\n  value: $(DB_PASSWORD)\n", None),
        ('- name: TOKEN_TTL\n  value: "3600"\n', None),
        ('{"name": "primaryKey", "value": "Zx9Kq2LmV7pRt4Wn8bYc"}', None),
        ("<name>hadoop.security.authentication</name>\n<value>kerberos</value>", None),
        ('{"name": "secret_name", "value": "my-app-secrets"}', None),
    ],
    "credential calls": [
        (
            'my $dbh = DBI->connect("dbi:Pg:dbname=shop", $user, "Xa8#d0Fg2H", { RaiseError => 1 });',
            "Xa8#d0Fg2H",
        ),
        ("my $dbh = DBI->connect($dsn, $user, $password);", None),
        (
            'keyring.set_password("svc", "deploy", "Mk9#j7Bh5G")',
            "Mk9#j7Bh5G",
        ),  # (service, username, password)
        ('keyring.set_password("svc", "deploy", password)', None),
        ('auth = HTTPBasicAuth("admin", "Pw9#Lk3z")', "Pw9#Lk3z"),
        ("r = requests.get(url, auth=('admin', 'Qz8vN3kL'))", "Qz8vN3kL"),
        ('var cred = new NetworkCredential("svc", "Cs8!Lx2q");', "Cs8!Lx2q"),
        ('new UsernamePasswordCredentials("etl", "Vb7#Nm2x")', "Vb7#Nm2x"),
        ('return new PasswordAuthentication("mailer", "Mq4$tZ7k".toCharArray());', "Mq4$tZ7k"),
        ('server.login("me@acme.test", "Sm8#Lx2q")', "Sm8#Lx2q"),
        ('ftp.login(user, "Ft8!Lx2q")', "Ft8!Lx2q"),
        ('Connection c = DriverManager.getConnection(url, "app", "Jd8#Lx2q");', "Jd8#Lx2q"),
        ('DriverManager.getConnection("jdbc:mysql://db/shop", "app", "Kq7$Lx2m")', "Kq7$Lx2m"),
        ("define('DB_PASSWORD', 'Wp8#Kx2q');", "Wp8#Kx2q"),
        ('password <- "Rr8#Kx2q"', "Rr8#Kx2q"),
        ('db, err := sql.Open("mysql", "app:Go8#Lx2q@tcp(db:3306)/shop")', "Go8#Lx2q"),
        ('.header("Authorization", Credentials.basic("ci", "Ok8#Lx2q"))', "Ok8#Lx2q"),  # OkHttp
        ('repo.auth = credentials("deploy", "Cr8#Lx2q")', "Cr8#Lx2q"),
        ("credentials('jenkins-deploy-key')", None),  # Jenkins: a credentials id, one argument
        ('Credentials.basic(user, System.getenv("PW"))', None),
        ("auth = HTTPBasicAuth(user, password)", None),
        ('auth = HTTPBasicAuth("user", os.environ["PW"])', None),
        ("r = requests.get(url, auth=('user', ''))", None),
        ('server.login("user", "password")', None),
        ("server.login(user, pwd)", None),
        ('DriverManager.getConnection(url, "sa", "");', None),
        ('$db = mysqli_connect("localhost", "app", "Kq7$Lx2m", "shop");', "Kq7$Lx2m"),
        ("$db = new mysqli('db', 'app', 'Kq7$Lx2m', 'shop');", "Kq7$Lx2m"),
        ("$pdo = new PDO($dsn, 'app', 'Kq7$Lx2m');", "Kq7$Lx2m"),
        ("$pdo = new PDO('mysql:host=db;dbname=shop', $user, 'Kq7$Lx2m', $options);", "Kq7$Lx2m"),
        ("$pdo = new PDO($dsn, $user, $pass);", None),
        ('props.put("db.password", "Kq7$Lx2m");', "Kq7$Lx2m"),
        ('config.set("api_token", "p9Xk2LmQ7vRt4WzN8b")', "p9Xk2LmQ7vRt4WzN8b"),
        ('props.put("password", field.getText());', None),
        ('props.put("password_min_length", "12");', None),
        ('dsn := fmt.Sprintf("%s:%s@tcp(%s)/%s", user, pass, host, db)', None),
        ('sql.Open("mysql", "root:@tcp(127.0.0.1:3306)/test")', None),
        ('sql.Open("mysql", "user:password@tcp(localhost:3306)/db")', None),
        ("define('AUTH_KEY', 'put your unique phrase here');", None),
        ("define('DB_PASSWORD', 'password_here');", None),
        ('password <- readline(prompt="Password: ")', None),
        ("the login page shows the credential form (see auth docs)", None),
        ('db = MySQLdb.connect("db.acme.test", "etl", "My8#Lx2q", "shop")', "My8#Lx2q"),
        ("conn = pymysql.connect('localhost', user, 'Pm8$Kx2q', 'shop')", "Pm8$Kx2q"),
        ('con = cx_Oracle.connect("scott", "Ox8#Lq2m", "db:1521/orcl")', "Ox8#Lq2m"),
        ('jedis.auth("Jr8#Lx2q");', "Jr8#Lx2q"),  # Redis AUTH
        ("request(app).get('/admin').auth('tobi', 'Sa8$Kx2q')", "Sa8$Kx2q"),  # supertest
        ("db = MySQLdb.connect(host, user, passwd, name)", None),
        ("request(app).get('/admin').auth('deploybot', password)", None),  # the user is no password
        ("r.auth(token)", None),
        ("firebase.auth().currentUser", None),
        ('ftp_login($conn, "upload", "Fl8#Lx2q");', "Fl8#Lx2q"),  # PHP
        ('ldap_bind($ds, "cn=admin,dc=acme,dc=test", "Lb8#Lx2q");', "Lb8#Lx2q"),
        ('ssh2_auth_password($c, "root", "Sh8#Lx2q");', "Sh8#Lx2q"),
        ('l.simple_bind_s("cn=admin,dc=acme", "Lb8#Lx2q")', "Lb8#Lx2q"),  # python-ldap
        ('headers.setBasicAuth("svc", "Sb8#Lx2q");', "Sb8#Lx2q"),  # Spring HttpHeaders
        ("Http::withBasicAuth('svc', 'Wb8#Lx2q')->get($url);", "Wb8#Lx2q"),  # Laravel
        ("ldap_bind($ds, $dn, $password);", None),
        ('ftp = FTP("ftp.acme.test", "bob", "Wz9#xQ2mLk8")', "Wz9#xQ2mLk8"),  # ftplib (host, user, passwd)
        ('ftps = FTP_TLS(host, "bob", "Wz9#xQ2mLk8")', "Wz9#xQ2mLk8"),
        ('credentials = pika.PlainCredentials("app", "Kq9#xL2mZv8")', "Kq9#xL2mZv8"),
        ('conn = SMBConnection("svc", "Sm9#xL2mZv8", "client", "server")', "Sm9#xL2mZv8"),
        (
            'credentials = pika.PlainCredentials("guest", "guest")',
            None,
        ),  # the username again: a default login
        ('auth = HTTPBasicAuth("admin", "admin")', None),
        ('ftp = FTP("ftp.acme.test")', None),
        ('ftp = FTP("ftp.acme.test", "anonymous", "")', None),
        ("ftp = FTP(host, user, passwd)", None),
        ("headers.setBasicAuth(user, password);", None),
    ],
    "signing keys": [  # a key passed by position to the call that signs or checks with it
        ("jwt.sign(payload, 'Cz8kQ2xLm9Vr', { expiresIn: '1h' })", "Cz8kQ2xLm9Vr"),
        (
            "jwt.sign({ id: user.id, role: 'admin' }, 'Cz8kQ2xLm9Vr')",
            "Cz8kQ2xLm9Vr",
        ),  # an object literal first
        ('token = jwt.encode({"sub": "1"}, "Bq9xL2mKz8Vt", algorithm="HS256")', "Bq9xL2mKz8Vt"),
        ("JWT.decode(token, 'Bq9xL2mKz8Vt', true, { algorithm: 'HS256' })", "Bq9xL2mKz8Vt"),  # ruby-jwt
        ('hmac.new(b"Dz8kQ2xLm9Vr", msg, hashlib.sha256)', "Dz8kQ2xLm9Vr"),
        ('mac := hmac.New(sha256.New, []byte("Dz8kQ2xLm9Vr"))', "Dz8kQ2xLm9Vr"),
        ("crypto.createHmac('sha256', 'Dz8kQ2xLm9Vr').update(body)", "Dz8kQ2xLm9Vr"),
        ("hash_hmac('sha256', $payload, 'Dz8kQ2xLm9Vr');", "Dz8kQ2xLm9Vr"),
        ("OpenSSL::HMAC.hexdigest('SHA256', 'Dz8kQ2xLm9Vr', data)", "Dz8kQ2xLm9Vr"),
        ('new SecretKeySpec("Sq9xL2mKz8Vt".getBytes(), "HmacSHA256")', "Sq9xL2mKz8Vt"),
        ('Algorithm algorithm = Algorithm.HMAC256("Sq9xL2mKz8Vt");', "Sq9xL2mKz8Vt"),
        ('new SymmetricSecurityKey(Encoding.UTF8.GetBytes("Sq9xL2mKz8Vt"))', "Sq9xL2mKz8Vt"),
        ('EncodingKey::from_secret(b"Sq9xL2mKz8Vt")', "Sq9xL2mKz8Vt"),
        ('.signWith(SignatureAlgorithm.HS256, "Sq9xL2mKz8Vt")', "Sq9xL2mKz8Vt"),
        ("jwt.sign(payload, process.env.JWT_SECRET, { expiresIn: '1h' })", None),
        ("jwt.sign({ id: user.id }, config.secret)", None),
        ("const decoded = jwt.verify(token, 'secret');", None),  # a placeholder
        ('jwt.encode(payload, "your-256-bit-secret", algorithm="HS256")', None),
        ('jwt.decode(token, options={"verify_signature": False})', None),
        ("digest = hmac.new(key, msg, hashlib.sha256).hexdigest()", None),
        ('hmac.new(key_bytes, b"Xk9vQ2mLp8Rt", hashlib.sha256)', None),  # the message, not the key
        ("mac := hmac.New(sha256.New, key)", None),
        ("crypto.createHmac('sha256', secret).update(data).digest('hex')", None),
        ('new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256")', None),
        ('hmac.new(b"key", b"The quick brown fox", hashlib.md5)', None),
        (
            'seed = hmac.new(b"Bitcoin seed", seed, digestmod=hashlib.sha512)',
            None,
        ),  # BIP-32's public constant
    ],
    "kubernetes": [
        (K8S, b64("Sx9#mK2vQ")),
        (K8S_CONFIGMAP, None),
        (K8S_PLACEHOLDER, None),
        ("kind: Secret\ndata:\n  password: !!notbase64!!\n", None),
    ],
    "netrc pgpass docker": [
        ("machine api.acme.test login deploy password Nw7kQ2xZ", "Nw7kQ2xZ"),
        ("machine git.acme.test\n  login ci\n  password Tz4#mQ8v\n", "Tz4#mQ8v"),
        ("db.internal:5432:shop:app:Fp8zK3mQ", "Fp8zK3mQ"),
        ("*:*:*:replicator:Hk2#vN9q", "Hk2#vN9q"),
        (
            '{"auths": {"registry.acme.test": {"auth": "' + b64("robot:Ty4pL9qW") + '"}}}',
            b64("robot:Ty4pL9qW"),
        ),
        ("the machine learning model has a password field", None),
        ("root:x:0:0:root:/root:/bin/bash", None),
        ("at 10:30:45:12:99 the job ran", None),
        ('{"auths": {"registry.acme.test": {"auth": "' + b64("no-colon") + '"}}}', None),
        ("_auth = " + b64("ci:Hq5wP8nRk3"), b64("ci:Hq5wP8nRk3")),  # npm's .npmrc
        ('//registry.acme.test/:_auth="' + b64("ci:Hq5wP8nRk3") + '"', b64("ci:Hq5wP8nRk3")),
        ("_auth=${NPM_AUTH}", None),
        ("_auth = " + b64("no-colon"), None),
        ("NEO4J_AUTH=" + b64("no-colon"), None),
    ],
    "short keyed values": [
        ("PSWD:=Kp9#x2Lm", "Kp9#x2Lm"),
        ("ldap_default_authtok = Kp9#x2Lm", "Kp9#x2Lm"),  # sssd
        ("token: 1QoeZaqHra1", "1QoeZaqHra1"),  # capitalised runs after a digit: no CamelCase name
        ("\u0130" * 50 + " note: PSWD:=Kp9#x2Lm", "Kp9#x2Lm"),  # str.lower() lengthens \u0130: offsets kept
        ("token: a8Kx2mQ9", "a8Kx2mQ9"),
        ("secret=Zq7mW3xK", "Zq7mW3xK"),
        ("token: abcdefgh", None),  # one class, sequential
        ('token = "ghp_" + "Zq7mW3xKa8Kx2mQ9"', None),  # a prefix being concatenated
        ("token: a8K_x", None),  # too short for a token
        ("secret=12345678", None),
        ("token: xxxxxxxx", None),
        ("PSWD:=########", None),
        ("def f(compound, _core_token=_core_token,", None),  # a name passed on as itself
        ("_secrets_dir=_secrets_dir,", None),
        ("publicToken: a8Kx2mQ9", None),
        ("credentialId: a8Kx2mQ9", None),
        ("csrf-token: a8Kx2mQ9", None),
        ("token: --digest", None),
        ("secret=&quot;abc", None),
        ("secret_arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf", None),  # a name
        ('secret_ref = "projects/acme/secrets/db-password/versions/3"', None),  # GCP Secret Manager
        ("db:secret:Zq7mW3xK", "Zq7mW3xK"),  # not an ARN
        ('encryption_key = "Zq7mW3xK"', "Zq7mW3xK"),  # a key name with a word that makes it secret
        ("hmacKey: Zq7mW3xK", "Zq7mW3xK"),
        ("MASTER_KEY=Zq7mW3xK", "Zq7mW3xK"),
        ("secret: !!str Zq7mW3xK", "Zq7mW3xK"),  # YAML's explicit string tag
        ('cache_key = "Zq7mW3xK"', None),  # public by design
        ('key = "Zq7mW3xK"', None),  # "key" alone: a map entry, a sort key...
        ("keymap: Zq7mW3xK", None),
        ("api_key_id: Zq7mW3xK", None),  # about the key, not the key
        ('aes_key = "12345678"', None),
        ("signing_key: !!str changeme", None),
        ("private_key: ~/.ssh/id_rsa", None),  # a path: where the key is kept
        ("secret: /etc/ssl/ca.key", None),
        ("account_key: acct_001", None),  # a name and a number: an identifier
        ("token: svc-2024", None),
        ("pwd: admin123", "admin123"),  # a weak password is still a password
        ("signing_key = KLYQhWfq88", "KLYQhWfq88"),  # mixed case: no name and number
        ('config["secret"] = "Zq7mW3xK"', "Zq7mW3xK"),  # a subscript's key
        ("ENV['SECRET_KEY'] = 'Zq7mW3xK'", "Zq7mW3xK"),
        ('os.environ["API_TOKEN"] = "Zq7mW3xK"', "Zq7mW3xK"),
        ("GET /v1/items?api_key=Zq7mW3xK&format=json HTTP/1.1", "Zq7mW3xK"),  # "&name=" ends a query value
        ("token=Zq7m&W3xK", "Zq7m&W3xK"),  # an "&" not followed by a name and "=" is the value's
        ('cache["key"] = "Zq7mW3xK"', None),  # "key" alone, as above
        ("tokens[i] = Zq7mW3xK", None),  # an index, not a key
        ('d["token"] = tok.strip()', None),
        ("pass: &default_pass", None),  # a YAML anchor, then an alias: no value
        ("coarse_semantic_pad_token=12_048,", None),  # a number
        ('requirement: "tokenizers==0.9.4"', None),  # a version constraint
        ('mask_token="[MASK]",', None),  # a tokenizer's special token
        ("password: *default_pass", None),
    ],
    "terraform variables": [
        ('variable "db_password" {\n  type    = string\n  default = "Kl4#h6Gf8D"\n}', "Kl4#h6Gf8D"),
        ('variable "api_token" { default = "Hq5wP8nRk3vTz6Yc" }', "Hq5wP8nRk3vTz6Yc"),
        (
            'variable "db_password" {\n  type = string\n}\nvariable "region" {\n  default = "Kl4Jh6Gf8D"\n}',
            None,
        ),
        ('variable "password_length" {\n  default = "16"\n}', None),
        ('variable "db_password" {\n  default = "CHANGE_ME"\n}', None),
        ('variable "secret_name" {\n  default = "prod/db-credentials"\n}', None),
    ],
    "yaml block scalars": [
        ("db:\n  password: |\n    Vt7#kQ2mZp9xLw4R\n  user: app\n", "Vt7#kQ2mZp9xLw4R"),
        ("api_token: >-\n  Hq5wP8nRk3vTz6Yc\n", "Hq5wP8nRk3vTz6Yc"),
        ("- password: |2+\n    Nc4!pW8zLq3mVt7K\n", "Nc4!pW8zLq3mVt7K"),
        ("db:\n  password: |\n    Bo3C.HaXT0x2U\n", "Bo3C.HaXT0x2U"),  # a literal: no attribute access
        ("password: |\n  changeme\n", None),  # placeholder
        ("password: |\nVt7#kQ2mZp9xLw4R\n", None),  # not indented under its key: not the block
        (
            "tls_key: |\n  MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n  BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n",
            None,
        ),  # multi-line
        ("a:\n    password: |\n  Vt7#kQ2mZp9xLw4R\n", None),  # indented less than its key: not its value
        ("description: |\n  Zq8vR2mT4xLp9WcK\n", None),  # not a credential key
        ("primaryKey: >\n  Zq8vR2mT4xLp9WcK\n", None),  # public by design
    ],
    "env defaults": [
        ('os.getenv("DB_PASSWORD", "Vt7#kQ2mZp")', "Vt7#kQ2mZp"),
        ("'password' => env('DB_PASSWORD', 'Vt7#kQ2mZp'),", "Vt7#kQ2mZp"),  # Laravel
        ('SECRET_KEY = config("SECRET_KEY", default="Hq5wP8nRk3vTz6Yc")', "Hq5wP8nRk3vTz6Yc"),  # decouple
        ('ENV.fetch("STRIPE_SECRET", "Hq5wP8nRk3vTz6Yc")', "Hq5wP8nRk3vTz6Yc"),  # Ruby
        ('System.getProperty("db.password", "Vt7#kQ2mZp")', "Vt7#kQ2mZp"),
        ('const key = process.env.API_KEY || "Hq5wP8nRk3vTz6Yc";', "Hq5wP8nRk3vTz6Yc"),
        ("token = ENV['GH_TOKEN'] ?? 'Hq5wP8nRk3vTz6Yc'", "Hq5wP8nRk3vTz6Yc"),
        ("  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-Vt7kQ2mZp}", "Vt7kQ2mZp"),  # the value, not '-Vt7...'
        (
            "  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-lNhvzNkU2S7.W4Q}",
            "lNhvzNkU2S7.W4Q",
        ),  # data, not a.b code
        ("API_TOKEN=${API_TOKEN=Hq5wP8nRk3vTz6Yc}", "Hq5wP8nRk3vTz6Yc"),
        ('os.getenv("DB_PASSWORD", "")', None),
        ('os.getenv("DB_PASSWORD", "changeme")', None),  # placeholder
        ('os.getenv("TOKEN_TTL", "3600")', None),  # not a credential key
        ('os.getenv("HOST", "Vt7#kQ2mZp")', None),
        ('process.env.PRIMARY_KEY ?? "Hq5wP8nRk3vTz6Yc"', None),  # public by design
        ("${DB_PASSWORD:-$FALLBACK_PW}", None),  # another variable
        ("${DB_PASSWORD:-}", None),
        ("spring.datasource.password=${DB_PASS:Sp8vKq2mZx}", "Sp8vKq2mZx"),  # Spring's placeholder default
        ('@Value("${mail.password:Sp8vKq2mZx}")', "Sp8vKq2mZx"),
        ("server.port=${PORT:8080}", None),  # not a credential key
        ("spring.datasource.password=${DB_PASS:}", None),
        ("password=${DB_PASS:${VAULT_PW}}", None),
        ("jwt_secret: ${JWT_SECRET:?required}", None),  # the shell's error if unset, with its message
        ("db_password: ${DB_PASSWORD:+Sp8vKq2mZx}", None),  # the shell's alternative value: not a default
        ("jwt_secret: ${JWT_SECRET:-Sp8vKq2mZx}", "Sp8vKq2mZx"),
    ],
    "fallbacks": [
        ('password = getpass() or "Fb8#kQ2mZp"', "Fb8#kQ2mZp"),
        ('pw = getpass.getpass("Password: ") or "Fb8#kQ2mZp"', "Fb8#kQ2mZp"),
        ('password = input("Password: ") or "Fb8#kQ2mZp"', "Fb8#kQ2mZp"),
        ("pw = args.password or 'Fb8#kQ2mZp'", "Fb8#kQ2mZp"),
        ("$pw = $_ENV['DB_PASS'] ?? 'Fb8#kQ2mZp';", "Fb8#kQ2mZp"),  # PHP
        ('val pw = System.getenv("DB_PASS") ?: "Fb8#kQ2mZp"', "Fb8#kQ2mZp"),  # Kotlin
        ('const pw = opts.dbPassword || "Fb8#kQ2mZp";', "Fb8#kQ2mZp"),
        ('password = kwargs.get("password", "Fb8#kQ2mZp")', "Fb8#kQ2mZp"),
        ("pw = settings.get('smtp_password', 'Fb8#kQ2mZp')", "Fb8#kQ2mZp"),
        ('pw = config.get("db", "password", fallback="Fb8#kQ2mZp")', "Fb8#kQ2mZp"),
        ("password: \"{{ db_password | default('Fb8#kQ2mZp') }}\"", "Fb8#kQ2mZp"),  # Jinja / Ansible
        ('{{ vault_pw | d("Fb8#kQ2mZp") }}', "Fb8#kQ2mZp"),
        ("{{ db_password | default(omit) }}", None),
        ("{{ username | default('Fb8#kQ2mZp') }}", None),
        ('String pw = conf.getString("db.password", "Fb8#kQ2mZp");', "Fb8#kQ2mZp"),
        ('password = getpass() or ""', None),
        ('password = password or "changeme"', None),  # placeholder
        ('user = args.user or "guest"', None),  # not a password
        ('if not password or "admin" in roles:', None),  # a condition, not a fallback
        ('name = compute() or "Fb8#kQ2mZp"', None),
        ('kwargs.get("password", None)', None),
        ('kwargs.get("password", "")', None),
        ('kwargs.get("username", "Fb8#kQ2mZp")', None),
    ],
    "form fills": [
        ('driver.find_element(By.ID, "password").send_keys("Ff8#kQ2mZp")', "Ff8#kQ2mZp"),  # Selenium
        ('passwordField.sendKeys("Ff8#kQ2mZp");', "Ff8#kQ2mZp"),
        ("cy.get('#password').type('Ff8#kQ2mZp')", "Ff8#kQ2mZp"),  # Cypress
        ("element(by.id('password')).sendKeys('Ff8#kQ2mZp');", "Ff8#kQ2mZp"),  # Protractor
        ('await page.fill("#password", "Ff8#kQ2mZp");', "Ff8#kQ2mZp"),  # Playwright
        ("await page.type('input[name=pwd]', 'Ff8#kQ2mZp');", "Ff8#kQ2mZp"),  # Puppeteer
        ('fill_in "Password", with: "Ff8#kQ2mZp"', "Ff8#kQ2mZp"),  # Capybara
        (
            'await user.type(screen.getByLabelText(/password/i), "Ff8#kQ2mZp")',
            "Ff8#kQ2mZp",
        ),  # Testing Library
        ("cy.get('#password').type('{enter}')", None),  # a key, not a value
        ("cy.get('#password').type(Cypress.env('PASSWORD'))", None),
        ('page.fill("#password", password)', None),
        ('driver.find_element(By.ID, "password").clear()', None),
        ("cy.get('#password').should('have.attr', 'type', 'password')", None),
        ('fill_in "Password", with: password', None),
        ('fill_in "Username", with: "bobsmith42"', None),  # not the password field
        ('cy.get("#password").clear();\ncy.get("#username").type("bobsmith42")', None),
    ],
    "comparisons": [
        ('if (strcmp(password, "Cm8#kQ2mZp") == 0)', "Cm8#kQ2mZp"),
        ('if (!strcmp("Cm8#kQ2mZp", input_pw))', "Cm8#kQ2mZp"),
        ('if (user.getPassword().equals("Cm8#kQ2mZp")) {', "Cm8#kQ2mZp"),
        ('assertEquals("Cm8#kQ2mZp", user.getPassword());', "Cm8#kQ2mZp"),
        ("if (hash_equals($password, 'Cm8#kQ2mZp'))", "Cm8#kQ2mZp"),
        ('strcmp(password, "")', None),
        ("strcmp(password, confirm)", None),
        ('assertEquals("password", field.getName());', None),  # the literal is a field name
        ('assertEquals("Password is required", error.getMessage());', None),
        ('input.getAttribute("type").equals("password")', None),
        ("assertThat(user.getPassword(), is(notNullValue()));", None),
    ],
    "session cookies": [
        ("Cookie: sessionid=8f3k2j4h5g6f7d8s9a0qwrtyu1x; csrftoken=abc", "8f3k2j4h5g6f7d8s9a0qwrtyu1x"),
        ("Cookie: lang=en; PHPSESSID=k2h4g6f8d0s1a3z5x7c9v1b3n5m7q9w2", "k2h4g6f8d0s1a3z5x7c9v1b3n5m7q9w2"),
        (
            'curl -b "JSESSIONID=7F3A9C2E41B8D6F05A1C3E9B7D2F4A60" https://example.test/app',
            "7F3A9C2E41B8D6F05A1C3E9B7D2F4A60",
        ),
        (
            "Set-Cookie: connect.sid=s%3AaB3dE5fG7hI9jK1lM3nO5pQ7rS9t.Xy2Zw4Vu6; Path=/",
            "s%3AaB3dE5fG7hI9jK1lM3nO5pQ7rS9t.Xy2Zw4Vu6",
        ),
        ('document.cookie = "laravel_session=Qm9vT2xFYW5Ub2tlbkZvclRlc3Q";', "Qm9vT2xFYW5Ub2tlbkZvclRlc3Q"),
        ("session_id = 4c1f8e2a9b7d3c6e5f0a1b2c3d4e5f60", "4c1f8e2a9b7d3c6e5f0a1b2c3d4e5f60"),
        ("session_timeout=1800", None),
        ("SESSION_COOKIE_AGE=1209600", None),
        ("session.save_path=/var/lib/php/sessions", None),  # a path: '/' is no cookie character
        ("sessionid=${SESSION_ID}", None),
        ("PHPSESSID=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT", None),
        ("session=flask_session_cookie_name", None),  # an identifier
        ("sessionid=1234567890123456789", None),  # a number
        ("the assessment = 40 percent of the session time", None),
    ],
    "scripts": [
        ("hostname r1\nenable secret Zx3#v5Bn7M\n!", "Zx3#v5Bn7M"),  # Cisco IOS-style device configuration
        ("enable password 7 0822455D0A16", "0822455D0A16"),  # type 7: reversible
        ("  username admin privilege 15 password 0 Hy7Uj9Ik1O", "Hy7Uj9Ik1O"),
        ("username bob secret 0 Tq8#Lm2xVz", "Tq8#Lm2xVz"),
        ("snmp-server community Pa4Sd6Fg8H RO 10", "Pa4Sd6Fg8H"),
        ("tacacs-server host 10.0.0.1 key Wq2Er5Ty7U", "Wq2Er5Ty7U"),
        (" key-string Lo3Ki5Ju7H", "Lo3Ki5Ju7H"),
        ("enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0", None),  # a hash: type 5, 8, 9
        ("username bob secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQY", None),
        ("snmp-server community public RO", None),  # the well-known default
        ("the username admin password field is required", None),
        ("vault login hvs.CAESIJ7kQm3VxR2pLw9ZtYb4NcFd", "hvs.CAESIJ7kQm3VxR2pLw9ZtYb4NcFd"),
        ("vault login -no-print s.Xq7pLm2vR9zKa4Wb8Nc1Yd3e", "s.Xq7pLm2vR9zKa4Wb8Nc1Yd3e"),
        (
            "vault login 6e1f8b2c-4a7d-4c1e-9b3f-2d5a8c7e0f14",
            "6e1f8b2c-4a7d-4c1e-9b3f-2d5a8c7e0f14",
        ),  # legacy
        ("vault login -method=userpass username=bob", None),  # prompts for the password
        ("vault login -method=github", None),
        ("vault login $VAULT_TOKEN", None),
        ("vault login -", None),  # from stdin
        ("then vault login with your token", None),
        ('Set-Variable -Name password -Value "Gh5!kz8QwP2m"', "Gh5!kz8QwP2m"),
        ("New-Variable -Name DbPassword -Value 'Tq8#mW2zLk' -Option ReadOnly", "Tq8#mW2zLk"),
        ('set-variable apiToken "Vb7Kq2Xz9Lm4Np8Rt3Wy"', "Vb7Kq2Xz9Lm4Np8Rt3Wy"),
        ("Set-Variable -Name password -Value $null", None),
        ("Set-Variable -Name password -Value (Read-Host -AsSecureString)", None),
        ('Set-Variable -Name passwordLength -Value "12"', None),
        ("credentials: Rb3$kW9pXz2q", "Rb3$kW9pXz2q"),
        ('spawn ssh bob@host\nexpect "*assword:"\nsend "Kq7#Lx2m\\r"\ninteract', "Kq7#Lx2m"),
        ('expect "Password:" { send -- "Kq7#Lx2m\\r" }', "Kq7#Lx2m"),
        ('expect -re "(P|p)assphrase" {\n  send "Kq7 Lx2m\\n"\n}', "Kq7 Lx2m"),
        ('expect "password:"\nsend "$env(PASS)\\r"', None),  # Tcl substitutes the variable
        ('expect "Password:"\nsend -- "[exec cat pw.txt]\\r"', None),
        ('expect "login:"\nsend "bob\\r"', None),  # no password prompt
        ("EXEC sp_addlogin 'app', 'Kq7#Lx2m';", "Kq7#Lx2m"),
        ("EXEC sp_addlogin @loginame = 'app', @passwd = 'Kq7#Lx2m', @defdb = 'shop';", "Kq7#Lx2m"),
        ("EXEC sp_password NULL, 'Kq7#Lx2m', 'app';", "Kq7#Lx2m"),
        ("EXEC sp_password 'Old#Pw91', 'Kq7#Lx2m', 'app';", "Kq7#Lx2m"),
        ("EXEC sp_addlogin 'app', @passwd;", None),
        ("C: AUTH PLAIN AGJvYgBLcTcjTHgybQ==", "AGJvYgBLcTcjTHgybQ=="),  # SASL PLAIN: \0bob\0Kq7#Lx2m
        ("AUTH PLAIN AGJvYgA=", None),  # \0bob\0: no password
        ("AUTH PLAIN dGVzdA==", None),  # "test": no PLAIN triple
        ("a001 LOGIN bob Kq7#Lx2m", "Kq7#Lx2m"),  # IMAP
        ('C: A1 LOGIN "bob" "Kq7 Lx2m"', "Kq7 Lx2m"),
        ("Please LOGIN to continue", None),
        ("2 LOGIN failed attempts", None),
        ("USER bob\r\nPASS Kq7#Lx2m\r\n", "Kq7#Lx2m"),  # FTP / POP3
        (">>> USER bob\n331 Password required for bob\n>>> PASS Kq7#Lx2m", "Kq7#Lx2m"),
        ("PASS src/App.test.js\nPASS src/api.test.js", None),  # jest's verdicts
        ("USER guide\nPASS src/App.test.js", None),
        (
            "ftp> user bob\n331 Password required for bob.\nftp> pass Kq7#Lx2m\n230 User bob logged in.",
            "Kq7#Lx2m",
        ),
        ("ftp> quote PASS Kq7#Lx2m", "Kq7#Lx2m"),  # the interactive ftp client
        ("ftp> user bob Kq7#Lx2m", "Kq7#Lx2m"),
        ("ftp> user anonymous", None),
        ("ftp> pass\nftp> passive", None),  # no argument; another command
        ("ftp> pass Password:", None),
        ("CONNECT scott/Tg7#kWq2@orcl", "Tg7#kWq2"),
        ('CONNECT scott/"Tg7@kW/q2"@orcl', "Tg7@kW/q2"),  # quoted: @ and / inside
        ("SQL> conn hr/Hr_Pass2024", "Hr_Pass2024"),
        ("spool out.log\n  connect system/Mgr9kq2Lx as sysdba;\nselect 1 from dual;", "Mgr9kq2Lx"),
        ("CONNECT app_user/Xk29pqLm@//db.example.com:1521/ORCLPDB1;", "Xk29pqLm"),
        ("connect / as sysdba", None),
        ("CONNECT scott/&password@orcl", None),  # a substitution variable
        ("Connect input/output streams to the pipe", None),  # prose: the line goes on
        ("we connect the/dots", None),  # not at the start of its line
        ("connect the/dots", None),  # a word
        (
            f"password: !!binary {b64('Kq7#Lx2mQ')}",
            b64("Kq7#Lx2mQ"),
        ),  # YAML's binary tag: decoded and checked
        (f"db:\n  api_token: !!binary {b64('Vb7Kq2Xz9Lm4Np8Rt3Wy')}\n", b64("Vb7Kq2Xz9Lm4Np8Rt3Wy")),
        (f"password: !!binary {b64('changeme')}", None),
        (
            f"db:\n  password: !!binary |\n    {b64('Kq7#Lx2mQ')}\n  port: 5432",
            b64("Kq7#Lx2mQ"),
        ),  # block form
        (f"secret_key: !!binary >-\r\n  {b64('Vb7Kq2Xz9Lm4Np8Rt3Wy')}\r\n", b64("Vb7Kq2Xz9Lm4Np8Rt3Wy")),
        (f"password: !!binary |\n{b64('Kq7#Lx2mQ')}", None),  # not indented: not the block's content
        (f"password: !!binary |\n  {b64('changeme')}", None),
        (f"logo: !!binary {b64('Kq7#Lx2mQ')}", None),  # not a password key
        (
            "icon_password: !!binary R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5OT",
            None,
        ),  # binary
        ("Login: admin / Kq7#Lx2mQ", "Kq7#Lx2mQ"),
        ("please log in with admin / Kq7#Lx2mQ", "Kq7#Lx2mQ"),
        ("Login: admin/Kq7#Lx2mQ", "Kq7#Lx2mQ"),  # the slash unspaced
        ("wifi: HomeNet / Kq7#Lx2mQ", "Kq7#Lx2mQ"),
        ("use admin/Kq7#Lx2mQ to log in", "Kq7#Lx2mQ"),  # the pair before the login
        ("try bob/Kq7#Lx2mQ for login", "Kq7#Lx2mQ"),
        ("use the SSO/SAML flow to log in", None),
        ("log in with SSO/SAML", None),
        ("wifi: on / off", None),
        ("Login: svc_search / UwRSXD_Gwuc_2", "UwRSXD_Gwuc_2"),  # mixed case inside a piece: no name
        ("Sign in with Google / GitHub or e-mail", None),  # capitalised words
        ("login: oauth/callback", None),
        ("Sign in as svc_backup / Kq7#Lx2mQ.", "Kq7#Lx2mQ"),
        ("account: bob@acme.test / Kq7#Lx2mQ", "Kq7#Lx2mQ"),
        ("the creds are bob:Kq7#Lx2mQ", "Kq7#Lx2mQ"),
        ("login with Google / Facebook", None),  # words
        ("sign in with SSO / SAML", None),
        ("account: acme / prod-eu-1", None),  # a name of words and numbers
        ("creds are in the vault: bob:see-1password", None),
        ("Ticket 4411: credentials: bob / Hr_Pass2024.", "Hr_Pass2024"),
        ("login = ops / Zu8$mPq4Lw until Friday", "Zu8$mPq4Lw"),
        ("login: yes / no", None),
        ("Login: 2024 / 2025", None),
        ("Login: admin / password", None),
        ("login: admin / ${PASS}", None),
        ("#cloud-config\nchpasswd:\n  list: |\n    root:Tg7#kWq2x\n  expire: False\n", "Tg7#kWq2x"),
        ("chpasswd:\n  expire: false\n  list:\n    - 'ubuntu:Hr_Pass2024'\n", "Hr_Pass2024"),
        ("chpasswd:\n  list: |\n    root:RANDOM\n", None),  # cloud-init generates it
        ("chpasswd:\n  list: |\n    root:$6$rounds=4096$saltsalt$hash\n", None),  # a crypt hash
        ("chpasswd:\n  list: |\n    root:${ROOT_PASSWORD}\n", None),
        ("chpasswd:\n  users:\n    - name: root\n      type: RANDOM\n", None),
    ],
    "languages": [
        ("contraseña: Kq7#Lx2m", "Kq7#Lx2m"),
        ("Senha = 'Kq7#Lx2m'", "Kq7#Lx2m"),
        ("Пароль: Kq7#Lx2m", "Kq7#Lx2m"),  # upper-case Cyrillic: the trigger folds case in every script
        ("Пароль: cnNoAEskb6L5uq.P", "cnNoAEskb6L5uq.P"),  # data: no attribute access
        ("密码：Kq7#Lx2m。", "Kq7#Lx2m"),  # the full-width colon, the ideographic full stop ends it
        ("パスワード: Kq7#Lx2m", "Kq7#Lx2m"),
        ("비밀번호 : Kq7#Lx2m", "Kq7#Lx2m"),
        ('Hasło: "Kq7 Lx2m"', "Kq7 Lx2m"),
        ("senha: obrigatória", None),  # prose: letters only
        ("密码：请输入", None),
        ("Пароль: ********", None),
        ("Kennwort: <geheim>", None),
        ("parola chiave", None),
        ("credentials: none", None),
        ("credentials: default", None),
        # the sentence form: the word, then its language's "is"
        ("La contraseña es Kq8#vZx2Lm9 para el servidor.", "Kq8#vZx2Lm9"),
        ("le mot de passe est Kq8vZx2Lm9", "Kq8vZx2Lm9"),
        ("Das Passwort ist Kq8vZx2Lm9", "Kq8vZx2Lm9"),
        ("la password è Kq8vZx2Lm9", "Kq8vZx2Lm9"),  # Italian with the English word
        ("lösenordet är Kq8vZx2Lm9", "Kq8vZx2Lm9"),  # a definite suffix
        ("het wachtwoord is Kq8vZx2Lm9", "Kq8vZx2Lm9"),
        ("hasło jest Kq8vZx2Lm9", "Kq8vZx2Lm9"),
        ("密码是Kq8vZx2Lm9", "Kq8vZx2Lm9"),
        ("新的密码是Kq8vZx2Lm9", "Kq8vZx2Lm9"),  # no blank before a CJK word
        ("Daspasswort ist Kq8vZx2Lm9", None),  # inside a longer word
        ("パスワードは Kq8vZx2Lm9 です", "Kq8vZx2Lm9"),
        ('Das Passwort ist "geheim42"', "geheim42"),
        ("la contraseña es incorrecta", None),
        ("Das Passwort ist mindestens 8 Zeichen lang", None),
        ("Das Passwort ist z.B. abc", None),  # short: prose
        ("het wachtwoord is 8-12 tekens", None),
        ("密码是必填项", None),
    ],
}
# the short keyed detectors see any `password: value` line; the Kubernetes rows test the manifest parser
FAMILY_DETECTORS = {"kubernetes": [formats.K8S_SECRET_PASSWORD, formats.K8S_SECRET_DATA]}
CASES = [(family, payload, secret) for family, rows in TABLES.items() for payload, secret in rows]


@pytest.mark.parametrize(
    ("family", "payload", "secret"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_format_table(family: str, payload: str, secret: str | None) -> None:
    values = [v for _, v in found(payload, FAMILY_DETECTORS.get(family))]
    if secret is None:
        assert values == [], f"{family}: false positive {values} in {payload!r}"
    else:
        assert secret in values, f"{family}: missed {secret!r} in {payload!r} (found {values})"


def test_curl_span_is_the_password_only() -> None:
    assert found("curl -u deploy:Wq9zX3vB https://acme.test") == [("password", "Wq9zX3vB")]


def test_chpasswd_reads_every_block_and_line() -> None:
    """Two cloud-configs in one window (the scanner merges overlapping windows): both lists, every line."""
    text = (
        "a: 1\nchpasswd:\n  list: |\n    a:Tg7#kWq2x\n    c:Zu8$mPq4Lw\nb: 2\n"
        "chpasswd:\n  expire: false\n  list:\n    - b:Hr_Pass2024\n"
    )
    assert found(text, [scripts.CHPASSWD_LIST]) == [
        ("password", "Tg7#kWq2x"), ("password", "Zu8$mPq4Lw"), ("password", "Hr_Pass2024")
    ]  # fmt: skip


def test_secret_types_are_stable() -> None:
    types = {d.name: d.secret_type for d in formats.all_detectors()}
    assert set(types.values()) == {"password", "generic_secret"}
    assert types["bearer-token"] == "generic_secret" and types["sql-password"] == "password"
    assert len(types) == len(formats.all_detectors())  # unique names


@pytest.mark.parametrize(
    ("identifier", "public"),
    [("primaryKey", True), ("foreignKey", True), ("bucket_key", True), ("key_vault_name", True),
     ("credentialId", True), ("publicToken", True), ("csrf-token", True), ("token_type", True),
     ("api_token", False), ("DB_PASSWORD", False), ("client_secret", False), ("xToken", False),
     ("PASSWORD_REGEX", True), ("passwordPlaceholder", True), ("password_hint", True), ("token_pattern", True),
     ("password_reset_token", False)],
)  # fmt: skip
def test_public_key_names(identifier: str, public: bool) -> None:
    assert hard_negatives.is_public_key_name(identifier) is public


@pytest.mark.parametrize(
    ("value", "weak"),
    [("::=", True), ("--digest", True), ("&quot;x", True), ("<title>Login</title>", True),
     ("abcdefghijklmnop", True), ("1234567890", True), ("xxxx", True), ("####", True), ("!@#$%^&*", True),
     ("ENC[AES256_GCM,data:abc]", True), ("-----BEGIN ENCRYPTED PRIVATE KEY-----", True),
     ("Kp9#x2Lm", False), ("a8Kx2mQ9", False), ("!vault", True), ("!secret", True), ("!Ref", True),
     ("!!python/name:getpass.getpass", True), ("!Qaz2wsx9", False), ("!Reference9", False), ("!ENV", True),
     ("Forgot password?", True), ("Enter at least 8 characters", True), ("Your new passphrase", True),
     ("correct horse battery staple", False), ("Enter", False),
     ("$6$rounds=5000$saltsalt$Yq5Z8Xk2Lm3Np4Qr5St6Uv7Wx8Yz9", True), ("$2b$12$KIXQJ0v8f5f167f44f4964e6c998dee8", True),
     ("pbkdf2_sha256$600000$abc123$Yq5Z8Xk2Lm3Np4Qr5St6=", True), ("{SSHA}Yq5Z8Xk2Lm3Np4Qr5St6Uv7Wx8", True),
     ("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", True), ("$6$x", False),
     ("$ecr3t$Pa55", False), ("Kennwort", True), ("Contraseña", True), ("Пароль", True), ("mot de passe", True),
     ("must be at least 8 characters", True), ("at least 8 characters", True), ("Kennwort7!", False),
     ("meet me at the park", False), ("should contain digits", True), ("arn:aws:iam::123456789012:role/deploy", True),
     ("arn9Kx2mQ", False), ("/home/bob", True), ("~/.ssh/id_rsa", True), ("./secrets/db", True),
     ("../conf/app.key", True), ("/etc/ssl/ca.key", True), ("C:\\keys\\prod.txt", True), ("/x8Kq2mZ", False),
     ("a/b8Kq2mZ", False), ("~/x8K$q2", False), ("/9j$x/Kq2", False), ("src/App.test.js", True),
     ("tests/unit/auth.spec.ts", True), ("Xk9/ab.Qz7", False), ("ab.qz", False), ("@cluster0.mongodb.net", True),
     ("@Xk9mQ2pLv", False)],
)  # fmt: skip
def test_weak_values(value: str, weak: bool) -> None:
    assert hard_negatives.is_weak_value(value) is weak


@pytest.mark.parametrize(
    ("key", "value", "offset"),
    [("user/pass", "deploy/Wq9zX3vB", 7), ("login:password", "admin:Hx4", 6), ("Username/Password", "bob/K9", 4),
     ("pass", "deploy/Wq9zX3vB", 0), ("db/pass", "deploy/Wq9zX3vB", 0), ("user/pass", "Wq9zX3vB", 0),
     ("user:pass", "deploy/Wq9", 7), ("user/pass", "admin:Kq7#Lx2m", 6), ("user/pass", "a b:Kq7", 0),
     ("credentials", "bob:Mp8#v", 4), ("creds", "svc.deploy:Mp8#v", 11), ("credentials", "admin/Kq7#Lx2m", 6),
     ("credentials", "Mp8#v", 0), ("credentials", "bob:", 0), ("credentials", "9x:Mp8#v", 0),
     ("credentials", "wJalrXUtnFEMI/K7MDENGbPxRfiCYzq8", 0), ("credentials", "abc/K7MDENG/bPxRf", 0),
     ("NEO4J_AUTH", "neo4j/Mp8#vKq2", 6), ("RABBITMQ_AUTH", "admin:Mp8#vKq2", 6), ("NEO4J_AUTH", "none", 0),
     ("oauth", "neo4j/Mp8#vKq2", 0)],
)  # fmt: skip
def test_username_in_password_span(key: str, value: str, offset: int) -> None:
    """With a user/password pair key the password starts after the username (``:`` or ``/``, whichever the
    value uses); with a credentials key after ``user:``, or ``user/`` when the user is lower case and the rest
    holds no other ``/`` (a token's own slashes never split it)."""
    text = f"{key}: {value}"
    i = len(key) - len(key.rsplit("/", 1)[-1].rsplit(":", 1)[-1])  # where the password word starts
    assert hard_negatives.pair_value_start(text, i, value, text[i : len(key)]) == offset


def test_entropy_floor_grows_with_length() -> None:
    floors = [formats.min_entropy(n) for n in (4, 6, 8, 12, 16, 64)]
    assert floors == sorted(floors) and floors[-1] == 3.0


MB = 1_000_000
ADVERSARIAL = [
    "create user x with ", "identified by ", "password=", "Pwd={", "curl -u a:", "curl --user ",
    "Authorization: Basic ", "Bearer ", "a ::= ", "x := \"", "setProperty(\"TOKEN\", ", "<token>",
    "\\\"password\\\": \\\"", "\\nPASSWORD=", "#define TOKEN ", "ConvertTo-SecureString ", "data:\n",
    "kind: Secret\ndata:\n  password: QUJD\n", "machine h login ", "h:5432:d:u:", "\"auth\": \"", "token: ",
    "PSWD:=", "a" * 63 + " ", "- name: DB_PASSWORD\n  value: ", "{\"name\": \"API_TOKEN\", \"value\": \"", "{\"type\": \"password\", \"value\": \"",
    "<name>s3.secret.key</name><value>", "HTTPBasicAuth(\"u\", ", "auth=('u', '", ".login(\"u\", \"",
    "getConnection(url, \"u\", \"", "define('DB_PASSWORD', '", "password <- \"", "a:b@tcp(", "a:", "pass(", "password: |\n  ", "pass: |\n  a\n",
    "getenv(\"API_TOKEN\", ", "process.env.TOKEN || ", "${PASSWORD:-", "${TOKEN=a}", "${a.password:", "pw or \"",
    "getpass() or ", "x.get(\"password\", \"", "(\"password\"", ".auth(\"", "MySQLdb.connect(\"a\", \"b\", ",
    "password\").send_keys(\"", "page.fill(\"#password\", \"", "fill_in \"password\", with: \"", "strcmp(password, \"",
    "strcmp(\"a\", ", "pw.equals(\"", "sessionid=", "a.sid=a",
    "PHPSESSID=" + "a1" * 300 + ";", "sess", "Credentials.basic(\"u\", ", "credentials('u', ", "echo a | sudo -S ",
    "--password-stdin", "vault login ", "vault login -a=b ", "Set-Variable -Name password ", "credentials: a:", "expect \"pass\"\nsend \"", "sp_addlogin 'a', ", "connect a/", "\nconnect a/b c", "chpasswd:\n  list: |\n", "use a/", "use a/b to log", "wifi: a/", "AUTH PLAIN ", "AUTH PLAIN AGJvYgA= ", "a1 LOGIN b ", "USER a\nPASS ", "chpasswd:\n list:\n  a:b\n", "login: a / ", "login:a /", "password: !!binary ", "a: !!binary QUJD", "password: !!binary |\n  ", "new PDO(a, ", "put(\"password\", \"", "пароль: ", "Пароль:a ", "密码：", "a:secret:", "arn:aws:s:secret:a ",
    "jwt.sign(a, ", "jwt.sign({a}, 'b', ", "hmac.new(", "hash_hmac(a, b, ", "SecretKeySpec(\"", "DECLARE @pwd ", "set @pwd = N",
    "| password (a) | ", "FTP(\"a\", \"b\", ", "contraseña es ", "passwort ist a1 ", "密码是",
]  # fmt: skip


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_linear_time_on_adversarial_input(unit: str) -> None:
    """Each detector alone, CPU time (a busy shared machine does not fail the bound)."""
    text = (unit * (MB // len(unit) + 1))[:MB]
    slow = {}
    for d in formats.all_detectors():
        t = linear_cpu_seconds(lambda x, d=d: found(x, [d]), text)
        if t >= CPU_CEILING:
            slow[d.name] = round(t, 2)
    assert not slow, f"{unit!r}: CPU seconds per MB {slow}"


def test_patterns_have_no_backreferences() -> None:
    for d in formats.all_detectors():
        for p in getattr(d, "patterns", ()):
            assert not re.search(r"\\[1-9]|\(\?P=", p.pattern), d.name


SCANNER_CASES = [
    # (text, the one value the whole scanner reports, or None): legacy and format detectors together
    ("host=pg1 port=5432 dbname=metrics user=grafana password= sslmode=require", None),
    ("the machine room password policy is on the wiki", None),
    ("$pwd = Read-Host -AsSecureString", None),
    ("$pwd = ConvertTo-SecureString $env:SVC_PASSWORD -AsPlainText -Force", None),
    ('$pwd = ConvertTo-SecureString "Ug9~c09.bk~JTV" -AsPlainText -Force', "Ug9~c09.bk~JTV"),
    ("kind: ConfigMap\ndata:\n  password: c2VjcmV0Cg==\n", None),  # base64 of a placeholder
    ('primaryKey := "AUbYhnFsRUkuEEWMVXslvKFEkf7ykyqEz3R"', None),
    ('publicToken := "Cqk1afhfKwkC5eBPwsiwHAtyx0T8Icb2Coltz2O"', None),
    ("<csrf-token>4YeFtr0jGKwLakUv9vD7dMJL3iMo</csrf-token>", None),
    ('dbPassword := "4~i6e@Hf.jmx"', "4~i6e@Hf.jmx"),  # an e-mail-like tail stays in the password
    ("*:*:*:replicator:PL.vbhvm3H", "PL.vbhvm3H"),
    (
        "curl -fsSL \\\n  --user svc_ledger:DL13V.e9dk \\\n  https://artifacts.example.test/pkg.tgz",
        "DL13V.e9dk",
    ),
    ("SECRET_KEY=REPLACE_ME", None),
    ("password = get_password()", None),
]


@pytest.mark.parametrize(("text", "secret"), SCANNER_CASES)
def test_whole_scanner_on_format_hard_negatives(text: str, secret: str | None) -> None:
    from sanitize.scanner import ScanConfig, get_scanner

    values = [value for _, value in get_scanner(ScanConfig()).scan_text(text)]
    assert values == ([secret] if secret else []), text


def test_scanner_runs_on_its_own_source() -> None:
    """Every module of the package scans without an error (an empty value once broke a regex)."""
    from pathlib import Path

    from sanitize.scanner import ScanConfig, get_scanner

    scanner = get_scanner(ScanConfig())
    for path in sorted((Path(__file__).resolve().parents[2] / "sanitize").rglob("*.py")):
        scanner.scan_text(path.read_text(encoding="utf-8"))
    assert [v for _, v in scanner.scan_text("cfg = dict(key=)")] == []
