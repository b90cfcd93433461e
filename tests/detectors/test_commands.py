"""command-password: passwords passed on a command line by flags or positions that do not say
"password"; the span is the value without quotes."""

from __future__ import annotations

import pytest
from detector_support import flood_cpu_seconds
from support import CPU_CEILING

from sanitize import ScanConfig, scan
from sanitize.detectors.commands import COMMAND_PASSWORD, PIPED_PASSWORD, SECRET_STORE_COMMAND

CASES: list[tuple[str, str | None]] = [
    ('ldapsearch -x -D "cn=admin,dc=acme,dc=test" -w Kx9mQ2pLv -b dc=acme', "Kx9mQ2pLv"),
    ("ldapmodify -H ldap://dir -D cn=admin -w 'Kx9 mQ2#pLv' -f a.ldif", "Kx9 mQ2#pLv"),  # quoted
    ("redis-cli -h cache -a Lm3nB8vQz ping", "Lm3nB8vQz"),
    ('ssh-keygen -t ed25519 -N "Bg1#h3Mj5K" -f key', "Bg1#h3Mj5K"),  # the passphrase
    ("ssh-keygen -p -P Old1Pass2x -f k", "Old1Pass2x"),  # the old passphrase
    ('ssh-keygen -N "" -f key', None),
    ("mosquitto_pub -h broker -u bob -P Hy7Uj8Ik9O -t x -m y", "Hy7Uj8Ik9O"),
    ('sqlcmd -S db -U sa -P "Tr7;Lm2q9z" -Q "select 1"', "Tr7;Lm2q9z"),  # ';' inside quotes
    ("zip -r -P Hx4vB9nMq backup.zip db.sql", "Hx4vB9nMq"),
    ("7z a -pHx4vB9nMq -mhe=on backup.7z dir", "Hx4vB9nMq"),
    ("keytool -importcert -keystore ks.jks -storepass Wq8zR3tYp -file c.crt", "Wq8zR3tYp"),
    ("ipmitool -I lanplus -H 10.0.0.9 -U admin -P Kx9mQ2pLv power status", "Kx9mQ2pLv"),
    ("smbclient //fs/share -U bob%Kx9mQ2pLv", "Kx9mQ2pLv"),  # -U user%password
    ("xfreerdp /v:10.0.0.5 /u:admin /p:Kx9mQ2pLv /cert-ignore", "Kx9mQ2pLv"),
    ("htpasswd -bc .htpasswd alice Kx9mQ2pLv", "Kx9mQ2pLv"),
    ("htpasswd -nb alice Kx9mQ2pLv", "Kx9mQ2pLv"),
    ("net user alice Kx9mQ2pLv /add", "Kx9mQ2pLv"),
    ("hydra -l admin -p Kx9mQ2pLv ssh://10.0.0.4", "Kx9mQ2pLv"),
    ("hydra -l admin -P rockyou.txt ssh://10.0.0.4", None),  # -P: a word list
    ("redis-server --port 6380 --requirepass Kx9mQ2pLv", "Kx9mQ2pLv"),
    ("nmcli dev wifi connect HomeNet password Kx9mQ2pLv", "Kx9mQ2pLv"),
    ("nmcli con modify Home wifi-sec.psk Kx9mQ2pLv", "Kx9mQ2pLv"),
    ("wpa_passphrase HomeNet Kx9mQ2pLv >> /etc/wpa_supplicant.conf", "Kx9mQ2pLv"),
    ("wpa_passphrase HomeNet < pass.txt", None),  # read from stdin
    ("mosquitto_passwd -b /etc/mosquitto/passwd bob Kx9mQ2pLv", "Kx9mQ2pLv"),
    ("mosquitto_passwd -c /etc/mosquitto/passwd bob", None),  # prompted
    ("impacket-psexec admin:Kx9mQ2pLv@10.0.0.4", "Kx9mQ2pLv"),
    ("psexec.py corp/admin:Kx9mQ2pLv@10.0.0.4 cmd.exe", "Kx9mQ2pLv"),
    ("impacket-wmiexec corp/admin:Kx9@mQ2pLv@10.0.0.4", "Kx9@mQ2pLv"),  # the host follows the last @
    ("secretsdump.py -hashes :aad3b435b51404ee corp/admin@10.0.0.4", None),  # pass-the-hash: no password
    ("rabbitmqctl add_user svc Kx9mQ2pLv", "Kx9mQ2pLv"),
    ("redis-cli -a Lm3nB8vQz && echo ok", "Lm3nB8vQz"),  # `&&` ends the line
    # hard negatives
    ("redis-cli -a $REDIS_PASSWORD ping", None),  # a variable
    ("keytool -list -keystore a.jks -storepass changeit", None),  # placeholder
    ("net user alice * /add", None),  # prompts for it
    ("net user alice /delete", None),
    ("ldapsearch -x -W -b dc=acme | grep -w Kx9mQ2pLv", None),  # -W prompts; grep's -w is not ldapsearch's
    ("zip -r out.zip dir", None),
    ("the internet user interface", None),  # 'net' inside a word
    ("use the network -w flag", None),
    ("htpasswd -c .htpasswd alice", None),  # no -b: prompts
    ("redis-cli -a\nKx9mQ2pLv", None),  # a newline ends the command
    ("run ldapsearch with -w option to give the bind password", None),  # prose about the flag
    ("sqlcmd -S db -U sa -P <password>", None),
    ("mysqladmin -u root password Kx9mQ2pLv", "Kx9mQ2pLv"),  # sets the root password
    ("useradd -m -p 'Kx9mQ2pLv' deploy", "Kx9mQ2pLv"),
    ("usermod -p Kx9mQ2pLv deploy", "Kx9mQ2pLv"),
    ('useradd -m -p "$(openssl passwd -6 "$PW")" deploy', None),  # computed
    ("useradd -m -s /bin/bash deploy", None),
    ("net use Z: \\\\fs\\share /user:acme\\bob Kx9mQ2pLv", "Kx9mQ2pLv"),
    ("net use \\\\fs\\share Kx9mQ2pLv /user:bob /persistent:no", "Kx9mQ2pLv"),
    ("net use Z: \\\\fs\\share * /user:bob", None),  # prompts
    ("net use Z: /delete", None),
    ("schtasks /create /tn backup /ru admin /rp Kx9mQ2pLv /tr b.cmd /sc daily", "Kx9mQ2pLv"),
    ("psexec \\\\host -u admin -p Kx9mQ2pLv cmd", "Kx9mQ2pLv"),
    ("openssl enc -aes-256-cbc -salt -k Kx9mQ2pLv -in db.sql -out db.enc", "Kx9mQ2pLv"),
    ('mysqladmin -u root -p password "$NEW_ROOT_PW"', None),
    ("openssl enc -aes-256-cbc -kfile key.txt -in a", None),
    ("jarsigner -keystore ks.jks -storepass Kx9mQ2pLv app.apk release", "Kx9mQ2pLv"),
    ("snmpget -v3 -u mon -l authNoPriv -a SHA -A Kx9mQ2pLv 10.0.0.1 sysUpTime.0", "Kx9mQ2pLv"),
    ("lftp -u bob,Kx9mQ2pLv ftp.acme.test", "Kx9mQ2pLv"),
    ("lftp -u bob ftp.acme.test", None),  # prompts
    ("sqlplus scott/Kx9mQ2pLv@orcl @report.sql", "Kx9mQ2pLv"),
    ("sqlplus -s system/Kx9mQ2pLv@//db:1521/XE", "Kx9mQ2pLv"),
    ("expdp hr/Kx9mQ2pLv DIRECTORY=dpump DUMPFILE=hr.dmp", "Kx9mQ2pLv"),
    ("sqlldr userid=app/Kx9mQ2pLv control=load.ctl", "Kx9mQ2pLv"),
    ("sqlplus / as sysdba", None),
    ("sqlplus scott/tiger@orcl", None),  # a lower-case word (the classic demo)
    ("sqlplus -s /nolog @scripts/run.sql", None),
    # a password piped into a command that reads it from standard input
    ("echo Kx9mQ2pLv | docker login -u bob --password-stdin", "Kx9mQ2pLv"),
    ("echo 'Kx9mQ2pLv' | docker login registry.test -u bob --password-stdin", "Kx9mQ2pLv"),
    ('printf "%s" "Kx9mQ2pLv" | helm registry login r.test -u bob --password-stdin', "Kx9mQ2pLv"),
    ('echo -n "Kx9mQ2pLv" | sudo -S apt-get install -y nginx', "Kx9mQ2pLv"),
    ("echo Kx9mQ2pLv | sudo -u deploy -S systemctl restart app", "Kx9mQ2pLv"),
    ("echo Kx9mQ2pLv | passwd --stdin alice", "Kx9mQ2pLv"),
    ("echo 'alice:Kx9mQ2pLv' | chpasswd", "Kx9mQ2pLv"),
    (
        'echo -n "Kx9mQ2pLv" | gcloud secrets create db-pass --data-file=-',
        "Kx9mQ2pLv",
    ),  # a secret store's stdin
    ("printf '%s' Kx9mQ2pLv | gcloud secrets versions add db-pass --data-file=-", "Kx9mQ2pLv"),
    ("cat pw.txt | gcloud secrets create db-pass --data-file=-", None),
    ("gcloud secrets create db-pass --data-file=secret.txt", None),
    ('echo -n "$REGISTRY_PASSWORD" | docker login -u bob --password-stdin', None),  # a variable
    ('echo "${{ secrets.GHCR_TOKEN }}" | docker login ghcr.io -u x --password-stdin', None),
    ("cat ~/pw.txt | docker login -u bob --password-stdin", None),  # a file
    ("echo Kx9mQ2pLv | sudo -s", None),  # -s: a shell, reads no password
    ("echo hello | sudo -S ls", None),  # a lower-case word
    ("echo Kx9mQ2pLv | tee a.txt; docker login -u bob --password-stdin", None),  # another command
    ("echo Kx9mQ2pLv\ndocker login -u bob --password-stdin", None),  # another line
]
# secret stores' command lines: the stored value, whatever its name (generic_secret)
STORE_CASES: list[tuple[str, str | None]] = [
    ('az keyvault secret set --vault-name kv --name DbPass --value "Hq8xL2mKz9Vt"', "Hq8xL2mKz9Vt"),
    ("aws ssm put-parameter --name /prod/db --value Gz9kQ2mLx8Vr --type SecureString", "Gz9kQ2mLx8Vr"),
    ("aws secretsmanager create-secret --name prod/db --secret-string 'Fz8kQ2xLm9Vt'", "Fz8kQ2xLm9Vt"),
    ("aws secretsmanager put-secret-value --secret-id x --secret-string=Fz8kQ2xLm9Vt", "Fz8kQ2xLm9Vt"),
    ('gh secret set NPM_TOKEN --body "Cq8xL2mKz9Vt"', "Cq8xL2mKz9Vt"),
    ('gh secret set NPM_TOKEN -b"Zq9xL2mKv8Rt"', "Zq9xL2mKv8Rt"),  # a short flag glued to its value
    (
        'aws ssm put-parameter --name /app/region --value "Eu9west1Xk" --type String',
        None,
    ),  # not a SecureString
    ('az keyvault secret set --vault-name kv --name x --value "$PASSWORD"', None),
    ("gh secret set TOKEN < token.txt", None),
    ("aws secretsmanager create-secret --name prod/db --secret-string file://secret.json", None),  # a file
    ('az tag create --resource-id x --name env --value "Xk9vQ2mLp8"', None),  # not a key vault
    ('dotnet user-secrets set "Db:Password" "Wn4xQ9tLz3Rm"', "Wn4xQ9tLz3Rm"),  # NAME VALUE
    ("dotnet user-secrets set --project src/Api Stripe:Key Rk8wT3xLm6Vz", "Rk8wT3xLm6Vz"),
    ("dotnet user-secrets set Smtp:Host smtp.acme.test -p src/Api", None),  # a host name
    ("dotnet user-secrets set Db:Password", None),  # no value
    ("dotnet user-secrets list", None),
]


@pytest.mark.parametrize(("payload", "secret"), CASES)
def test_command_password(payload: str, secret: str | None) -> None:
    found = [payload[f.start : f.end] for f in scan([payload], ScanConfig(types=["password"]))]
    assert found == ([secret] if secret else [])


@pytest.mark.parametrize(("payload", "secret"), STORE_CASES)
def test_secret_store_command(payload: str, secret: str | None) -> None:
    found = [
        (f.type, payload[f.start : f.end]) for f in scan([payload], ScanConfig(types=["generic_secret"]))
    ]
    assert found == ([("generic_secret", secret)] if secret else [])


def test_an_impacket_target_on_a_dns_host_is_a_password_not_an_e_mail() -> None:
    text = "impacket-psexec corp.local/administrator:Kx9mQ2pLv@dc01.corp.local"
    assert [(f.type, text[f.start : f.end]) for f in scan([text])] == [("password", "Kx9mQ2pLv")]


@pytest.mark.parametrize(
    "unit",
    [
        "ldapsearch ",
        "redis-cli -a ",
        "net user a b ",
        "7z a -pKx9mQ2pLv ",
        "htpasswd -b ",
        "zip -P ",
        "sqlplus a/b ",
        "lftp -u a,b ",
        "snmpwalk -A ",
    ],
)
def test_linear_on_a_megabyte_of_commands(unit: str) -> None:
    """A flood of command names is one pass: a word inside a line already read is not read again."""
    best = flood_cpu_seconds(COMMAND_PASSWORD, unit, ["password"])
    assert best < CPU_CEILING


@pytest.mark.parametrize(
    "unit",
    [
        "--password-stdin ",
        "echo a | sudo -S ",
        "echo a | ",
        "echo 'a:b' | chpasswd",
        "sudo -",
        "echo a | x --data-file=-",
    ],
)
def test_linear_on_a_megabyte_of_piped_commands(unit: str) -> None:
    """A flood of stdin markers reads each stretch of a line once."""
    best = flood_cpu_seconds(PIPED_PASSWORD, unit, ["password"])
    assert best < CPU_CEILING


@pytest.mark.parametrize(
    "unit", ["gh secret set ", "aws ssm put-parameter --value a ", "az keyvault secret set "]
)
def test_linear_on_a_megabyte_of_secret_store_commands(unit: str) -> None:
    best = flood_cpu_seconds(SECRET_STORE_COMMAND, unit, ["generic_secret"])
    assert best < CPU_CEILING
