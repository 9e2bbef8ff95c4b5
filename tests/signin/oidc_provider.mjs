// A real OpenID Provider for the sign-in tests (node_modules/oidc-provider), on 127.0.0.1.
//
// Started by tests/signin/conftest.py with: OP_PORT, OP_CLIENT_ID, OP_CLIENT_SECRET,
// OP_REDIRECT_URIS and OP_POST_LOGOUT_REDIRECT_URIS (comma separated). It generates its own RSA
// signing key at start, requires PKCE for every authorization code, and signs in any login
// name through the library's development login form; the claims come from USERS below.
// It prints "ready <issuer>" on standard output once it listens.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.OP_PORT);
const issuer = `http://127.0.0.1:${port}`;
const list = (name) => (process.env[name] || "").split(",").filter(Boolean);

const USERS = {
  "anna.sso": {
    given_name: "Anna",
    family_name: "Andersson",
    name: "Anna Andersson",
    email: "anna.andersson@haparanda.se",
    email_verified: true,
    employee_id: "E1001",
    department: "Kultur- och fritidsförvaltningen",
  },
};

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OP_CLIENT_ID,
      client_secret: process.env.OP_CLIENT_SECRET,
      redirect_uris: list("OP_REDIRECT_URIS"),
      post_logout_redirect_uris: list("OP_POST_LOGOUT_REDIRECT_URIS"),
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  scopes: ["openid", "email", "profile", "employee"],
  claims: {
    openid: ["sub", "amr"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name"],
    employee: ["employee_id", "department"],
  },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = USERS[id] || { name: id, email: `${id}@haparanda.se` };
    return {
      accountId: id,
      async claims() {
        return { sub: id, amr: ["pwd", "mfa"], acr: "urn:haparanda:mfa", ...claims };
      },
    };
  },
});
provider.proxy = false;
provider.listen(port, "127.0.0.1", () => {
  process.stdout.write(`ready ${issuer}\n`);
});
