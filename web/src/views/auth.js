
import { field, form, h, render } from "../dom.js";
import { navigate } from "../router.js";
import { signIn, signUp } from "../session.js";

const COUNTRIES = [
  ["US", "United States"], ["GB", "United Kingdom"], ["DE", "Germany"], ["FR", "France"], ["ES", "Spain"],
  ["IT", "Italy"], ["NL", "Netherlands"], ["SE", "Sweden"], ["PL", "Poland"], ["CA", "Canada"],
  ["BR", "Brazil"], ["MX", "Mexico"], ["IN", "India"], ["JP", "Japan"], ["KR", "South Korea"],
  ["AU", "Australia"], ["NZ", "New Zealand"], ["ZA", "South Africa"], ["NG", "Nigeria"], ["AR", "Argentina"],
];

let config = null;
async function webConfig() {
  config ??= await fetch("/web/config.json").then((r) => r.json()).catch(() => ({ oidc_providers: [] }));
  return config;
}

function socialButtons(providers) {
  if (!providers.length) return null;
  return h(
    "div.social",
    null,
    h("p.divider", null, h("span", null, "or")),
    providers.map((provider) =>
      h(
        "a.button.secondary.social-button",
        { href: `/api/v1/auth/oidc/${encodeURIComponent(provider)}/login`, "data-provider": provider },
        `Continue with ${provider[0].toUpperCase()}${provider.slice(1)}`,
      ),
    ),
  );
}

export function shell(title, body, footer) {
  return h(
    "section.auth",
    null,
    h("div.auth-brand", null, h("span.logo", { "aria-hidden": "true" }, "▶"), " cinemesh"),
    h("div.auth-card", null, h("h1", null, title), body, footer),
  );
}

export async function signInView(_, query) {
  const { oidc_providers: providers = [] } = await webConfig();
  const next = query.get("next") || "/profiles";
  render(
    shell(
      "Sign in",
      [
        query.get("deleted") ? h("p.form-success", { role: "status" }, "Your account is deleted.") : null,
        form(
          { "aria-label": "Sign in" },
          [
            field("Email", { name: "email", type: "email", autocomplete: "username", required: true }),
            field("Password", { name: "password", type: "password", autocomplete: "current-password", required: true }),
            h("p.forgot", null, h("a", { href: "/forgot-password" }, "Forgot password?")),
            h("button.primary", { type: "submit" }, "Sign in"),
          ],
          async ({ email, password }) => {
            await signIn(email, password);
            navigate(next, { replace: true });
          },
        ),
        socialButtons(providers),
      ],
      h("p.muted", null, "New to cinemesh? ", h("a", { href: "/signup" }, "Create an account")),
    ),
  );
}

export async function signUpView(_, query) {
  const { oidc_providers: providers = [] } = await webConfig();
  // Plan choice at sign-up (billing): "Decide later" goes on to the profiles as before.
  const plans = [["", "Decide later"], ["basic", "Basic"], ["standard", "Standard"], ["premium", "Premium"], ["ultra", "Ultra"]];
  const chosen = plans.some(([id]) => id && id === query?.get("plan")) ? query.get("plan") : "";
  const guess = (navigator.language.split("-")[1] || "US").toUpperCase();
  render(
    shell(
      "Create your account",
      [
        form(
          { "aria-label": "Create account" },
          [
            field("Email", { name: "email", type: "email", autocomplete: "email", required: true }),
            field("Username", {
              name: "username",
              autocomplete: "nickname",
              required: true,
              minLength: 3,
              maxLength: 30,
              pattern: "[A-Za-z0-9_.\\-]+",
              title: "Letters, digits, dot, dash and underscore",
            }),
            field("Password", { name: "password", type: "password", autocomplete: "new-password", required: true, minLength: 8 }),
            field("Country", {
              name: "country",
              type: "select",
              options: COUNTRIES,
              value: COUNTRIES.some(([code]) => code === guess) ? guess : "US",
            }),
            field("Plan", { name: "plan", type: "select", options: plans, value: chosen }),
            h("button.primary", { type: "submit" }, "Create account"),
          ],
          async ({ plan, ...values }) => {
            await signUp(values);
            navigate(plan ? `/checkout?plan=${plan}` : "/profiles", { replace: true });
          },
        ),
        socialButtons(providers),
      ],
      h("p.muted", null, "Already have an account? ", h("a", { href: "/signin" }, "Sign in")),
    ),
  );
}

/** Social login comes back as /auth/callback#access_token=...&refresh_token=... */
export async function oidcCallbackView() {
  const { adoptRefreshToken } = await import("../api.js");
  const { loadMe } = await import("../session.js");
  const values = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, "", "/auth/callback");
  if (!values.get("refresh_token")) return navigate("/signin", { replace: true });
  // Into the HttpOnly cookie at once (one rotation): no script keeps the refresh token.
  await adoptRefreshToken(values.get("refresh_token"));
  await loadMe();
  return navigate("/profiles", { replace: true });
}

