// The account's "Password & data" section: change the password, download everything the platform
// keeps about the account (GET /me/export), delete the account (DELETE /me). The API had them; the
// app offered none.
import { api, setTokens } from "../api.js";
import { field, form, h, toast } from "../dom.js";
import { navigate } from "../router.js";
import { signOut } from "../session.js";

const MIN_PASSWORD = 8; // the users service's PASSWORD_MIN_LENGTH

export function security(me) {
  return h("div.security", null, passwordPanel(), exportPanel(), deletePanel(me));
}

function passwordPanel() {
  return h(
    "section.panel",
    { "aria-labelledby": "password-heading" },
    h("h2#password-heading", null, "Change password"),
    h("p.muted", null, "Every other device is signed out; this one stays signed in."),
    form(
      { "aria-label": "Change password", class: "grid-form" },
      [
        field("Current password", { name: "current_password", type: "password", autocomplete: "current-password", required: true }),
        field("New password", { name: "new_password", type: "password", autocomplete: "new-password", minLength: MIN_PASSWORD, required: true }),
        field("New password again", { name: "confirm", type: "password", autocomplete: "new-password", minLength: MIN_PASSWORD, required: true }),
        h("button.primary", { type: "submit" }, "Change password"),
      ],
      async (values, el) => {
        if (values.new_password !== values.confirm) throw new Error("The new passwords differ.");
        // The answer is a new session for this browser (the cookie transport, like sign-in).
        const tokens = await api("/me/password", {
          method: "POST",
          body: { current_password: values.current_password, new_password: values.new_password },
          headers: { "X-Refresh-Transport": "cookie" },
        });
        setTokens(tokens);
        el.reset();
        toast("Password changed");
      },
    ),
  );
}

function exportPanel() {
  const button = h("button.secondary", { type: "button" }, "Download my data");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const data = await api("/me/export");
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      const link = h("a", { href: URL.createObjectURL(blob), download: "cinemesh-account.json", hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      toast("Your data is downloading");
    } catch (error) {
      toast(error.message, "error");
    } finally {
      button.disabled = false;
    }
  });
  return h(
    "section.panel",
    { "aria-labelledby": "export-heading" },
    h("h2#export-heading", null, "Export my data"),
    h("p.muted", null, "Your account, profiles, preferences, devices and list as one JSON file."),
    button,
  );
}

function deletePanel(me) {
  return h(
    "section.panel.danger",
    { "aria-labelledby": "delete-heading" },
    h("h2#delete-heading", null, "Delete account"),
    h("p.muted", null, "Your account, its profiles and your list are deleted for good; this cannot be undone."),
    form(
      { "aria-label": "Delete account", class: "grid-form" },
      [
        field(`Type your email (${me.email}) to confirm`, { name: "confirm_email", type: "email", autocomplete: "off", required: true }),
        h("button.danger", { type: "submit" }, "Delete my account"),
      ],
      async (values) => {
        if (values.confirm_email.trim().toLowerCase() !== me.email.toLowerCase()) {
          throw new Error("That is not this account's email address.");
        }
        await api("/me", { method: "DELETE" });
        await signOut().catch(() => {});
        navigate("/signin?deleted=1", { replace: true });
      },
    ),
  );
}
