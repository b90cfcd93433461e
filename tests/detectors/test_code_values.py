"""code_values: values and keys that are code or prose, not secrets (read off installed libraries), each beside the
secret of the same shape that must still be found."""

from __future__ import annotations

import pytest

from sanitize import ScanConfig, scan
from sanitize.detectors import code_values as cv

# (payload, the secret's value or None): every None row was a false positive on installed code
CASES = [
    # an example cut short
    ('    verify_token="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",', None),
    ('`{"access_token": "hf_jwt_…", "token_type": "bearer"}`', None),
    ('verify_token="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9Qx"', "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9Qx"),
    # templates
    ('token = "unknown_12_%d" % byteord(self.bytecode[index - 1])', None),
    ('char *key = "__f2py_cb_#name#";', None),
    ('token = "Kx9%dQ!m2Lp#v"', "Kx9%dQ!m2Lp#v"),  # a conversion among other symbols: a random password
    ("mysqladmin -u root password '30%XlhLAMNt'", "30%XlhLAMNt"),
    ("| Password | cP#FU_QheC40#JK |", "cP#FU_QheC40#JK"),
    ("  <password><![CDATA[d.O4BPFSsz_gH]]></password>", "d.O4BPFSsz_gH"),
    # padded with blanks
    ("FillMaskOutputElement(score=0.06, token=11098, token_str=' happiness', sequence='x')", None),
    ('start_token = "class "', None),
    # a regular expression, a style
    ("password_regex=r'(?i)(?:password:)|(?:passphrase for key)',", None),
    ("cl_pw = r'([0-9a-f]{64})'", None),
    ('Token.Comment: "italic #A3AAB2",', None),
    # C names and types
    ("enum class S3CredentialsKind : int8_t {", None),
    ("const xxh_u8* kSecretPtr = XXH3_kSecret;", None),
    ("constexpr auto *local_key = PYBIND11_MODULE_LOCAL_ID;", None),
    ("api_key = kJx8mQpL2vR7", "kJx8mQpL2vR7"),  # k and a capital, not spoken words: a token
    # operands of expressions
    ("static constexpr auto secret = kXxh3Secrets + AlgNum;", None),
    ("acc = XXH3_mix16B(input, secret + XXH3_SECRET_SIZE_MIN - XXH3_MIDSIZE_LASTOFFSET, seed);", None),
    ('passphrase = "mnemonic" + passphrase', None),
    ("source = SecretsSettingsSource(secrets_dir=_secrets_dir or self.__config__.secrets_dir)", None),
    ("pw_node.group = snodes[0].group", None),
    ("pw_splits = n._body.sizes[0][0:i]", None),
    ("_AccessToken = _LocalToken | _AttrToken | _SubscriptToken", None),
    ("return self.signature(strip_view_copy_name=True)", None),
    ("password: Velvet-2291 - change it after the first login", "Velvet-2291"),  # prose, not subtraction
    ('password = "Quartz*77" + "\\n"', "Quartz*77"),  # joined to a literal, not a name
    # keys in slots, subscripts, docstring fields
    ('proxy_url="socks5h://<username>:<password>@proxy-host"', None),
    ("new_buffer_row[x + xpos - pw] = char2", None),
    ('config["pw"] = "Copper_1990"', "Copper_1990"),
    (":param is_password: Show asterisks instead of the actual typed characters.", None),
    (":arg str proxy_password: HTTP proxy password", None),
    # "pass" of an algorithm
    ('# backwards pass is "free". However, if a node must be materialized', None),
    ("# First pass: decided_mask==0, every element participates.", None),
    (" * the transformation pass (`runOnModule`).", None),
    ('bob: the pass is "Saturn!77"', "Saturn!77"),
    # flags in prose
    ("information can be provided via the --username and --password options", None),
    ('raise CLIError("--container-registry-password requires --container-registry-username.")', None),
    ("mysql --user bob --password Velvet2291 --host db", "Velvet2291"),
    # variables passed on as keyword arguments (a literal there is still a password)
    ("ctx.load_cert_chain(CERTFILE_PROTECTED, password=getpass_unicode)", None),
    ("urllib.request.HTTPBasicAuthHandler(password_mgr=auth)", None),
    ('ctx.load_cert_chain(CERTFILE_PROTECTED, password="Quartz*77")', "Quartz*77"),
    ("DB_PASSWORD=getpass_unicode", "getpass_unicode"),  # an .env line, no call
    # mechanisms, tokenizer names
    ("self.assertTrue('AUTH=CRAM-MD5' in client.capabilities)", None),
    ("tokenize_module._tokenize = mock__tokenize", None),
    # names of digests, directories and predicates; paths; sequential hex
    (
        '"initial": {"key_sha256": "bb1636883c2707b51c5b7fc26c6927af4430f2e0785a8c7bc886337f919f9edf", "pos": 9},',
        None,
    ),
    ("        and not self._fetch_block_cached.is_key_cached(end_block_plus_1)", None),
    ('DIRECT_KEY_192 = b"0123456789abcdef01234567"', None),
    ("key = 'arrow-datasets/nyc-taxi/year=2019/month=6/part-0.parquet'", None),
    ('pass_dict=construct_pattern_matcher_pass("move_reshape_out_of_split_stack_pass"),', None),
    # stop 42: base classes, C struct names, key files, query strings, calls over two lines, fields, name lists
    ("class HTTPPasswordMgrWithPriorAuth(HTTPPasswordMgrWithDefaultRealm):", None),
    (
        "client.api_key(Xk9vQ2mLp8RtZw4N)",
        "Xk9vQ2mLp8RtZw4N",
    ),  # no class statement: a value in the parentheses
    ("PKCS8_PRIV_KEY_INFO = pkcs8_priv_key_info_st", None),
    (
        "SECRET_KEY = xk9vq2mlp8rtzw4n_st",
        None,
    ),  # the cost: a lower-case value ending in _st reads as a struct
    ("        'localhost-ecc', sign=True, key='param:secp384r1.pem'", None),
    ("api_key = 'param:Xk9vQ2mLp8RtZw4N'", "param:Xk9vQ2mLp8RtZw4N"),  # no key file's extension
    ('ssl_key_password = "Xk9vQ2mLp8.pem!"', "Xk9vQ2mLp8.pem!"),
    ("    'QUERY_STRING':     'key1=value1&key2=value2x',", None),
    ('env = "DB_PASSWORD=Xk9&vQ2mLp8\\n"', "Xk9&vQ2mLp8"),  # "&" inside a value, no field after it
    (
        "self.assertRaises(nntplib.NNTPError, self.server.login,\n        user=baduser, password=badpw, usenetrc=False)",
        None,
    ),
    ("hosts=a,\npassword=hunter,", "hunter"),  # the line above is no call
    ("smtp.login(user=baduser, password=badpw, usenetrc=False)", None),
    ('conn = "Server=db;User Id=sa;Password=Xk9vQ2mLp8;"', "Xk9vQ2mLp8"),
    ('lines.append(f"token={record.token}")', None),
    ('conn = "Driver={ODBC};Server=db;Uid=sa;Pwd={Xk9v.Q2mLp8};"', "Xk9v.Q2mLp8"),
    ("value = (self.expect_number_(), self.expect_number_(), self.expect_number_())", None),
    ('...     func_name="add|abs", signature="float64|complex64"', None),
    ('api_secret = "Xk9v|Q2mLp8|RtZw"', "Xk9v|Q2mLp8|RtZw"),
    ("onnx_session = _onnx_backend_session(onnx_model_f, options.backend)", None),
    ("PHPSESSID=k2j9x8f7s6d5a4q3w2e1r0t9", "k2j9x8f7s6d5a4q3w2e1r0t9"),
    ("            (r'(vcl_pass|vcl_hash|vcl_hit|vcl_init|vcl_backend_fetch|vcl_pipe|'", None),
    ("| **DB password** | `Xk9vQ2mLp8` | prod |", "Xk9vQ2mLp8"),
    (
        "events={'(?i)password':'secret\\\\n'})",
        None,
    ),  # the escape's backslash escaped: "secret", a placeholder
    ("events={'(?i)password':'Xk9vQ2mLp8\\\\n'})", "Xk9vQ2mLp8"),
    ('$password = $_POST["password"];', None),  # PHP: a superglobal, an array, a method call
    ('$password = $row["pw"];', None),
    ('$password = $this->input->post("password");', None),
    ('$password = "Zq8vLm2Rt";', "Zq8vLm2Rt"),
    ("password: $Zq8[vLm2Rt", "$Zq8[vLm2Rt"),  # a capital after "$": no variable's name
]


@pytest.mark.parametrize(("payload", "secret"), CASES)
def test_code_and_prose_are_no_secrets(payload: str, secret: str | None) -> None:
    found = [
        payload[f.start : f.end] for f in scan([payload], ScanConfig()) if f.type not in ("email", "phone")
    ]
    assert found == ([] if secret is None else [secret])


@pytest.mark.parametrize(
    ("value", "elided", "template", "padded", "regex", "style", "c_name"),
    [
        ("eyJhbGciOi...", True, False, False, False, False, False),
        ("...", False, False, False, False, False, False),  # nothing before the dots
        ("unknown_%s_%d", False, True, False, False, False, False),
        ("P@ss%s!w0rd^", False, False, False, False, False, False),  # other symbols around the field
        ("30%XlhLAMNt", False, False, False, False, False, False),  # a generated password: letters beside it
        ("y#omB4N6E#4", False, False, False, False, False, False),
        ("a%20secret", False, False, False, False, False, False),  # a URL escape, no conversion
        (" x", False, False, True, False, False, False),
        ("^(?=.*\\d).{8,}$", False, False, False, True, False, False),
        ("bold bg:#ffffff", False, False, False, False, True, False),
        ("bold italic", False, False, False, False, False, False),  # no colour
        ("PYBIND11_MODULE_LOCAL_ID", False, False, False, False, False, True),
        ("uint32_t", False, False, False, False, False, True),
        ("kSecretPtr", False, False, False, False, False, True),
        ("kJx8mQpL2vR7", False, False, False, False, False, False),
        ("A1B2C3", False, False, False, False, False, False),  # no underscore: not a constant's name
    ],
)
def test_value_predicates(
    value: str, elided: bool, template: bool, padded: bool, regex: bool, style: bool, c_name: bool
) -> None:
    assert cv.is_elided(value) is elided
    assert cv.is_template(value) is template
    assert cv.is_padded(value) is padded
    assert cv.is_regex(value) is regex
    assert cv.is_style_spec(value) is style
    assert cv.is_c_name(value) is c_name


def test_context_predicates() -> None:
    text = "url = s://<password>@h"
    assert cv.in_slot(text, 11, 19) and not cv.in_slot("password=x", 0, 8)
    assert not cv.in_slot("  <password>Zx8Qm2Lp9Vt4</password>", 3, 11)
    row = "row[x - pw] = c"
    assert cv.in_subscript(row, 8, 10) and not cv.in_subscript('row["pw"] = c', 5, 7)
    assert cv.in_doc_field(":param str db_password: the", 11) and not cv.in_doc_field("db_password: V", 0)
    assert cv.is_pass_of_kind("the backward pass", 13) and not cv.is_pass_of_kind("the pass", 4)
    assert cv.is_operand("k = a + b", 4, 5, quoted=False) and not cv.is_operand(
        "k = a - b", 4, 5, quoted=False
    )
    assert cv.is_operand('k = "a" + b', 5, 7, quoted=True) and not cv.is_operand(
        'k = "a" + "b"', 5, 7, quoted=True
    )


def test_stop_42_predicates() -> None:
    assert cv.is_class_statement("class HTTPMgr(Base):", 6) and cv.is_class_statement(
        "  export class Store(B)", 15
    )
    assert not cv.is_class_statement("x = api_key(V)", 4)
    assert cv.is_key_file("param:secp384r1.pem") and cv.is_key_file("certs/server.key")
    assert not cv.is_key_file("Xk9vQ2mLp8.pem!") and not cv.is_key_file(".pem")
    assert cv.is_passed_name("f(user=u, password=badpw)", 10, "badpw") and not cv.is_passed_name(
        "password=badpw", 0, "badpw"
    )
    assert cv.is_passed_name("f(a,\n  password=badpw)", 7, "badpw") and not cv.is_passed_name(
        "a,\npassword=badpw", 3, "badpw"
    )
    assert (
        cv.is_c_name("pkcs8_priv_key_info_st")
        and cv.is_c_name("pthread_mutex_t")
        and not cv.is_c_name("a8fk2jx9")
    )
    assert cv.is_code_text("float64|complex64") and not cv.is_code_text("Xk9v|Q2mLp8|RtZw")
    assert cv.is_code_text("(self.expect_number_(") and not cv.is_code_text("myself.Xk9vQ2")
