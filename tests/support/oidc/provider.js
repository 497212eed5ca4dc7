// A real OpenID Connect provider for the users service's social-login tests (node oidc-provider).
//
// Everything comes from the environment the test fixture sets: the port, one confidential
// client, and the accounts (`OIDC_ACCOUNTS`: {"<login>": {"email": ..., "email_verified": ...}}).
// Its development interactions serve the login and consent forms; any password is accepted for
// a known login, which is all a test of the relying party needs.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS);

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: JSON.parse(process.env.OIDC_REDIRECT_URIS),
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  pkce: { required: () => true },
  cookies: { keys: ['cinemesh-test-provider-cookie-key'] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready at ${issuer}`);
});
