"""Planted secrets and benign lookalikes: the redaction tests, the hostile battery and the detector comparison use
these. Token-shaped values are assembled from parts so that no literal credential sits in the source (secret
scanners on push would flag it); none of them is a real credential."""

from __future__ import annotations

import base64
import json
from typing import NamedTuple


class Sample(NamedTuple):
    name: str
    text: str
    secret: str  # the part that must not survive redaction ("" for a benign sample)


def _rep(alphabet: str, n: int) -> str:
    return (alphabet * (n // len(alphabet) + 1))[:n]


AWS_KEY = "AKIA" + "Q7XW2MZ4RT9KPL3N"
AWS_SECRET = "wJalrXUtnFEMI" + "/K7MDENG/bPxRfiCYzQ8v4Tn2"
GITHUB = "ghp_" + "R8mZ2qL0vX7cT4nB9wK1sD6fH3jP5yA0uE2i"
GITHUB_PAT = "github_pat_" + "11ABCDEFG0" + _rep("aZ3kQ9mW7x", 72)
GITLAB = "glpat-" + "xK4m9Qz2LrT7wB1nC8vD"
SLACK_TOKEN = "xoxb-" + "2048193847-5820394817263-" + "Hk3Lm9Qz2Rt7Wb1N"
SLACK_HOOK_PATH = "T0" + "4AB7CD2/B05EF8GH3/" + "k9Lm2Qz7Rt4Wb1Nc8Vd3Xy6"
SLACK_WEBHOOK = "https://hooks.slack.com/services/" + SLACK_HOOK_PATH
GOOGLE = "AIza" + "SyD3k9Lm2Qz7Rt4Wb1Nc8Vd3Xy6Pa0Se5Fh"
STRIPE = "sk_" + "live_" + "51Hk3Lm9Qz2Rt7Wb1Nc8Vd3Xy"
STRIPE_RK = "rk_" + "live_" + "51Qz2Rt7Wb1Nc8Vd3XyHk3Lm9"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFkbWluIn0"
    + ".Xk3Lm9Qz2Rt7Wb1Nc8Vd3Xy6Pa0Se5FhJt4Ku"
)
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + "BKcwggSjAgEAAoIBAQC7k3Lm9Qz2Rt7Wb1Nc8"
PEM_BODY2 = "Vd3Xy6Pa0Se5FhJt4KuR8mZ2qL0vX7cT4n" + "B9wK1sD6fH3jP5yA0uE2iQ7XW2MZ4RT9K"
PEM = f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY2}\n-----END PRIVATE KEY-----"
PEM_NO_END = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY2}\n"
DOCKER_AUTH = base64.b64encode(b"robot:Dk3Lm9Qz2Rt7Wb1N").decode()
DOCKERCONFIG = base64.b64encode(json.dumps({"auths": {"ghcr.io": {"auth": DOCKER_AUTH}}}).encode()).decode()
HEX_SECRET = "9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a"
B64_SECRET = base64.b64encode(b"Zq9!mW2#Lr7$Tb4%").decode()

PLANTED: list[Sample] = [
    Sample("yaml password", "  POSTGRES_PASSWORD: Pg-Sup3rS3cret-2024\n", "Pg-Sup3rS3cret-2024"),
    Sample("yaml password quoted", '  adminPassword: "c0rrect-h0rse"\n', "c0rrect-h0rse"),
    Sample("DB_PASS", "DB_PASS: Xq7vLp2mWn\n", "Xq7vLp2mWn"),
    Sample("smtp-pass", "smtp-pass: mailpass-8841\n", "mailpass-8841"),
    Sample("env export", "export REDIS_PASSWORD=r3d1s-pa55\n", "r3d1s-pa55"),
    Sample("env passwd", "MYSQL_ROOT_PASSWD=rootroot99\n", "rootroot99"),
    Sample("pwd", "pwd = Tr0ub4dor&3\n", "Tr0ub4dor&3"),
    Sample("json password", '{"user": "admin", "password": "hunter2secret"}', "hunter2secret"),
    Sample("json token", '{"api_token": "tok-88a1-77b2-66c3"}', "tok-88a1-77b2-66c3"),
    Sample("apiKey camel", "apiKey: plain-api-key-value-1234\n", "plain-api-key-value-1234"),
    Sample("api-key kebab", "api-key: 7d1f-44aa-9c3e\n", "7d1f-44aa-9c3e"),
    Sample("client secret", "clientSecret: oidc-cl13nt-s3cr3t\n", "oidc-cl13nt-s3cr3t"),
    Sample("secret value", "secret: a1b2c3d4e5\n", "a1b2c3d4e5"),
    Sample("secretKey minio", "secretKey: minio-Secr3t-Key\n", "minio-Secr3t-Key"),
    Sample("aws secret key", f"aws_secret_access_key = {AWS_SECRET}\n", AWS_SECRET),
    Sample("private key field", "private_key: 'k3y-m4t3r14l-xyz'\n", "k3y-m4t3r14l-xyz"),
    Sample("webhook key", "webhook: https://notify.example.org/hook/Zx81Qa77\n", "Zx81Qa77"),
    Sample("dockerconfigjson", f"data:\n  .dockerconfigjson: {DOCKERCONFIG}\n", DOCKERCONFIG),
    Sample("docker auth", f'{{"auths": {{"ghcr.io": {{"auth": "{DOCKER_AUTH}"}}}}}}', DOCKER_AUTH),
    Sample("connection string url", "DATABASE_URL=postgres://app:s3cr3tP4ss@db:5432/app\n", "s3cr3tP4ss"),
    Sample("connection string ado", "Server=db;User Id=sa;Password=Ad0-Pa55word;\n", "Ad0-Pa55word"),
    Sample("mongodb url", "uri: mongodb+srv://root:M0ng0Pass@cluster0/db\n", "M0ng0Pass"),
    Sample("prose password", "The admin password is Sup3r-Secret! until we rotate it.", "Sup3r-Secret!"),
    Sample("prose password colon", "Log in with the password hunter2secret and change it.", "hunter2secret"),
    Sample("prose token backticks", "Use the token `plainTokenValue` for the API.", "plainTokenValue"),
    Sample("prose api key", "Our API key is 4f9a2c7e1b8d and it never expires.", "4f9a2c7e1b8d"),
    Sample("aws access key", f"aws_access_key_id: {AWS_KEY}\n", AWS_KEY),
    Sample("aws key in prose", f"the key {AWS_KEY} is for backups", AWS_KEY),
    Sample("github token", f"GITHUB_TOKEN={GITHUB}\n", GITHUB),
    Sample("github pat prose", f"clone with {GITHUB_PAT}", GITHUB_PAT),
    Sample("gitlab token", f"registry login uses {GITLAB}", GITLAB),
    Sample("slack token", f"bot: {SLACK_TOKEN}", SLACK_TOKEN),
    Sample("slack webhook", f"alerts go to {SLACK_WEBHOOK}", SLACK_HOOK_PATH),
    Sample("slack webhook yaml", f"      api_url: {SLACK_WEBHOOK}\n", SLACK_HOOK_PATH),
    Sample("google api key", f"maps: {GOOGLE}", GOOGLE),
    Sample("stripe live", f"STRIPE_KEY={STRIPE}", STRIPE),
    Sample("stripe restricted", f"payments use {STRIPE_RK}", STRIPE_RK),
    Sample("jwt", f"Authorization: Bearer {JWT}", JWT),
    Sample("bearer header", "curl -H 'Authorization: Bearer Zk3Lm9Qz2Rt7Wb1Nc8Vd'", "Zk3Lm9Qz2Rt7Wb1Nc8Vd"),
    Sample("pem", f"key.pem: |\n{PEM}\n", PEM_BODY2),
    Sample("pem without end", f"Here is the deploy key:\n{PEM_NO_END}", PEM_BODY2),
    Sample("high entropy hex", f"signing:\n  key: {HEX_SECRET}\n", HEX_SECRET),
    Sample("title line", "Plan: Redis for Authentik, DB_PASS: Xq7vLp2mWn and smtp-pass: mailpass-8841", "Xq7vLp2mWn"),
    Sample("flattened chunk", "```yaml env: POSTGRES_PASSWORD: Pg-Fl4t-2024 AWS_REGION: eu-west-1", "Pg-Fl4t-2024"),
    Sample("cut excerpt", "env: DB_PASSWORD: Cut-Pa55-99…", "Cut-Pa55-99"),
    Sample("env entry", "env:\n  - name: REDIS_PASSWORD\n    value: R3dis-Env-55\n", "R3dis-Env-55"),
    Sample("env entry in a diff", "+        - name: API_TOKEN\n+          value: Tok-Diff-881\n", "Tok-Diff-881"),
    Sample("secret data base64", f"kind: Secret\nstringData:\n  config: {B64_SECRET}\n", B64_SECRET),
]

BENIGN: list[Sample] = [
    Sample("secretName", "      secretName: authentik-tls\n", ""),
    Sample("existingSecret", "  existingSecret: paperless-secret\n", ""),
    Sample("existingSecret camel value", "auth:\n  existingSecret: redisAuth\n", ""),
    Sample("passwordSecretRef", "passwordSecretRef:\n  name: db-creds\n  key: password\n", ""),
    Sample("secretKeyRef", "valueFrom:\n  secretKeyRef:\n    name: app-secret\n    key: token\n", ""),
    Sample("templated env", "DB_PASSWORD: ${SECRET_DB_PASSWORD}\n", ""),
    Sample("flux substitution", "token: ${CLOUDFLARE_TOKEN}\n", ""),
    Sample("helm template", "password: {{ .Values.password }}\n", ""),
    Sample("image digest", "image: ghcr.io/home-operations/radarr@sha256:" + _rep("3f2a9c", 64) + "\n", ""),
    Sample("sha256 digest", "digest: sha256:" + _rep("a1b2c3d4e5f6", 64) + "\n", ""),
    Sample("checksum annotation", "checksum/config: " + _rep("9c8b7a6f5e4d", 64) + "\n", ""),
    Sample("git commit", "rev: " + _rep("1a2b3c4d5e", 40) + "\n", ""),
    Sample("secret store ref", "secretStoreRef:\n  kind: ClusterSecretStore\n  name: onepassword\n", ""),
    Sample("secret type", "type: kubernetes.io/dockerconfigjson\n", ""),
    Sample("prose about secrets", "Secrets are stored in SSM and the token is required for every call.", ""),
    Sample("framework rule", "New Secret: store in AWS SSM Parameter Store, never commit to git.", ""),
    Sample("password policy", "password_min_length: 12\n", ""),
    Sample("token ttl", "tokenTTL: 3600\n", ""),
    Sample("passthrough", "passthrough: true\n", ""),
    Sample("sops reference", "sops:\n  age:\n    - recipient: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgp\n", ""),
    Sample("values from secret", "valuesFrom:\n  - kind: Secret\n    name: authentik-values\n", ""),
    Sample("remote ref path", "remoteRef:\n  key: /authentik/secret-key\n", ""),
    Sample("env from", "envFrom:\n  - secretRef:\n      name: app-env\n", ""),
    Sample("chart version", "chart: authentik\nversion: 2024.10.1\n", ""),
    Sample("yaml tag", "api_key: !env_var SONARR_API_KEY\n", ""),
    Sample("numbered heading", "### AUTH-001: OAuth2-Proxy 7-Day Cookie\n", ""),
    Sample("placeholder", "PrivateKey = <WIREGUARD PRIVATE KEY>\n", ""),
    Sample("env entry plain", "env:\n  - name: TZ\n    value: Europe/Berlin\n", ""),
    Sample("env entry from secret", "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: pw}\n", ""),
    Sample("uuid", "uid: 123e4567-e89b-12d3-a456-426614174000\n", ""),
]
