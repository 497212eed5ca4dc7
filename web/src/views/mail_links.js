// The pages the platform's mails link to, and the way there: "Forgot password?" asks for a reset
// link; /reset-password?token= sets the new password; /verify-email?token= confirms the address.
// Each spends its token with a POST on the user's click or the page's script, never by a GET a
// mail scanner could follow.
import { api } from "../api.js";
import { field, form, h, render } from "../dom.js";
import { shell as authShell } from "./auth.js";

const MIN_PASSWORD = 8; // the users service's PASSWORD_MIN_LENGTH

export function forgotPasswordView(_, query) {
  const done = h("p.form-success", { role: "status" });
  render(
    authShell(
      "Reset your password",
      [
        h("p.muted", null, "Give your account's email address; we mail you a link to set a new password."),
        form(
          { "aria-label": "Reset password" },
          [
            field("Email", { name: "email", type: "email", autocomplete: "username", required: true, value: query.get("email") ?? "" }),
            h("button.primary", { type: "submit" }, "Send reset link"),
          ],
          async ({ email }) => {
            const answer = await api("/auth/password-reset", { method: "POST", body: { email }, auth: false });
            done.textContent = answer?.detail ?? "If an account has this address, a reset link is on its way.";
          },
        ),
        done,
      ],
      h("p.muted", null, h("a", { href: "/signin" }, "Back to sign in")),
    ),
  );
}

export function resetPasswordView(_, query) {
  const token = query.get("token");
  if (!token) return invalidLink("This reset link is incomplete: ask for a new one.");
  const done = h("p.form-success", { role: "status" });
  const resetForm = form(
    { "aria-label": "Set a new password" },
    [
      field("New password", { name: "new_password", type: "password", autocomplete: "new-password", minLength: MIN_PASSWORD, required: true }),
      field("New password again", { name: "confirm", type: "password", autocomplete: "new-password", minLength: MIN_PASSWORD, required: true }),
      h("button.primary", { type: "submit" }, "Set new password"),
    ],
    async ({ new_password: password, confirm }) => {
      if (password !== confirm) throw new Error("The passwords differ.");
      await api("/auth/password-reset/confirm", { method: "POST", body: { token, new_password: password }, auth: false });
      resetForm.hidden = true;
      done.replaceChildren("Your password is changed. ", h("a", { href: "/signin" }, "Sign in"));
    },
  );
  // The token is in the address bar only until the page has read it (not in history or Referer).
  history.replaceState(null, "", "/reset-password");
  render(authShell("Choose a new password", [resetForm, done], h("p.muted", null, h("a", { href: "/forgot-password" }, "Ask for a new link"))));
}

export async function verifyEmailView(_, query) {
  const token = query.get("token");
  if (!token) return invalidLink("This verification link is incomplete.");
  history.replaceState(null, "", "/verify-email");
  const status = h("p", { role: "status" }, "Confirming your address…");
  render(authShell("Email address", [status], h("p.muted", null, h("a", { href: "/" }, "Continue to cinemesh"))));
  try {
    await api("/auth/verify-email", { method: "POST", body: { token }, auth: false });
    status.textContent = "Your email address is verified.";
    status.className = "form-success";
  } catch (error) {
    status.textContent = `This link does not work any more (${error.message}) Ask for a new one on your account page.`;
    status.className = "form-error";
  }
}

function invalidLink(message) {
  render(authShell("Link not valid", [h("p.form-error", null, message)], h("p.muted", null, h("a", { href: "/signin" }, "Sign in"))));
}
