import "./styles.css";
import { onSignedOut } from "./api.js";
import { h, render } from "./dom.js";
import { navigate, route, setErrorHandler, setGuard, setNotFound, start } from "./router.js";
import { restore, session, signOut } from "./session.js";
import { oidcCallbackView, signInView, signUpView } from "./views/auth.js";
import { homeView, searchView } from "./views/home.js";
import { browseView } from "./views/browse.js";
import { profileSwitcher, profilesView } from "./views/profiles.js";
import { titleView } from "./views/title.js";
import { forgotPasswordView, resetPasswordView, verifyEmailView } from "./views/mail_links.js";

// Pages that pull big libraries load them on demand: shaka-player only in the player, tus-js-client
// only in the admin upload, so the home page stays light.
const lazy = (load, name) => async (...args) => (await load())[name](...args);
const playerView = lazy(() => import("./views/player.js"), "playerView");
const accountView = lazy(() => import("./views/account.js"), "accountView");
const adminView = lazy(() => import("./views/admin.js"), "adminView");
const adminTitleView = lazy(() => import("./views/admin.js"), "adminTitleView");
const adminTitlesView = lazy(() => import("./views/admin_titles.js"), "adminTitlesView");
const adminUsersView = lazy(() => import("./views/admin_users.js"), "adminUsersView");
const adminAnalyticsView = lazy(() => import("./views/admin_analytics.js"), "adminAnalyticsView");
const historyView = lazy(() => import("./views/history_page.js"), "historyView");
const plansView = lazy(() => import("./views/billing.js"), "plansView");
const checkoutView = lazy(() => import("./views/billing.js"), "checkoutView");
const billingView = lazy(() => import("./views/billing.js"), "billingView");
const adminBillingView = lazy(() => import("./views/admin_billing.js"), "adminBillingView");

route("/signin", signInView);
route("/forgot-password", forgotPasswordView);
route("/reset-password", resetPasswordView);
route("/verify-email", verifyEmailView);
route("/signup", signUpView);
route("/auth/callback", oidcCallbackView);
route("/profiles", profilesView, { auth: true });
route("/", homeView, { auth: true, profile: true });
route("/search", searchView, { auth: true, profile: true });
route("/browse", browseView, { auth: true, profile: true });
route("/history", historyView, { auth: true, profile: true });
route("/title/:id", titleView, { auth: true, profile: true });
route("/watch/:id", playerView, { auth: true, profile: true, bare: true });
route("/plans", plansView, { auth: true });
route("/checkout", checkoutView, { auth: true });
route("/billing", billingView, { auth: true });
route("/account/billing", billingView, { auth: true });
route("/admin/billing", adminBillingView, { auth: true, editor: true });
route("/account", accountView, { auth: true });
route("/account/:section", accountView, { auth: true });
route("/admin", adminView, { auth: true, editor: true });
route("/admin/title/:id", adminTitleView, { auth: true, editor: true });
route("/admin/titles", adminTitlesView, { auth: true, editor: true });
route("/admin/users", adminUsersView, { auth: true, editor: true });
route("/admin/analytics", adminAnalyticsView, { auth: true, editor: true });

setGuard(async (options, pathname) => {
  if (options.auth && !session.me) {
    navigate(`/signin?next=${encodeURIComponent(pathname + location.search)}`, { replace: true });
    return false;
  }
  if (options.profile && !session.profile) {
    navigate("/profiles", { replace: true });
    return false;
  }
  if (options.editor && !session.isEditor) {
    navigate("/", { replace: true });
    return false;
  }
  topbar(options);
  return true;
});

function topbar(options) {
  const bar = document.getElementById("topbar");
  if (!session.me || options.bare) {
    bar.hidden = true;
    return;
  }
  bar.hidden = false;
  const searchBox = h("input", {
    type: "search",
    name: "q",
    placeholder: "Titles, genres, people",
    "aria-label": "Search titles",
    value: new URL(location.href).pathname === "/search" ? new URL(location.href).searchParams.get("q") ?? "" : "",
  });
  bar.replaceChildren(
    h("a.brand", { href: session.profile ? "/" : "/profiles", "aria-label": "cinemesh home" }, h("span.logo", { "aria-hidden": "true" }, "▶"), h("span.brand-name", null, "cinemesh")),
    h(
      "nav.nav",
      { "aria-label": "Main" },
      session.profile ? h("a", { href: "/" }, "Home") : null,
      session.profile ? h("a", { href: "/browse" }, "Browse") : null,
      session.profile ? h("a", { href: "/history" }, "History") : null,
      session.isEditor ? h("a", { href: "/admin" }, "Admin") : null,
    ),
    session.profile
      ? h(
          "form.search",
          {
            role: "search",
            onsubmit: (event) => {
              event.preventDefault();
              navigate(`/search?q=${encodeURIComponent(searchBox.value.trim())}`);
            },
          },
          searchBox,
        )
      : h("span.spacer"),
    h(
      "div.account-menu",
      null,
      profileSwitcher(),
      h("a", { href: "/account" }, "Account"),
      h(
        "button.link",
        {
          type: "button",
          onclick: async () => {
            await signOut();
            navigate("/signin");
          },
        },
        "Sign out",
      ),
    ),
  );
  for (const link of bar.querySelectorAll("nav a")) {
    if (new URL(link.href).pathname === location.pathname) link.setAttribute("aria-current", "page");
  }
}

onSignedOut(() => navigate("/signin"));

function showError(error) {
  const notFound = error?.status === 404;
  render(
    h(
      "section.error-page",
      null,
      h("h1", null, notFound ? "Not found" : "Something went wrong"),
      h("p", null, notFound ? "This title is not available here." : error?.message ?? String(error)),
      h("a.button.primary", { href: "/" }, "Back home"),
    ),
  );
}
setErrorHandler(showError);
setNotFound((pathname) => {
  render(
    h(
      "section.error-page.not-found",
      null,
      h("h1", null, "Page not found"),
      h("p", null, `There is no page at ${pathname}.`),
      h("a.button.primary", { href: session.me ? "/" : "/signin" }, session.me ? "Back home" : "Sign in"),
    ),
  );
});
window.addEventListener("unhandledrejection", (event) => showError(event.reason));

await restore().catch(() => false);
await start();
