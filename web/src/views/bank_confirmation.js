// The second step of a checkout whose bank asks the customer to confirm the payment (3-D Secure;
// the sandbox's card 4000 0025 0000 3155). In sandbox mode this panel stands in for the bank's
// page: the customer approves or refuses, and billing settles the waiting charge
// (POST /billing/subscription/confirm). Nothing is charged before the answer.
import { api } from "../api.js";
import { h } from "../dom.js";

/** Asks the customer; resolves with the subscription when confirmed, rejects when refused. */
export function confirmWithBank(container, problem) {
  return new Promise((resolve, reject) => {
    const answer = (approve) => async () => {
      buttons.forEach((b) => (b.disabled = true));
      try {
        const { subscription } = await api("/billing/subscription/confirm", { method: "POST", body: { approve } });
        panel.remove();
        resolve(subscription);
      } catch (error) {
        panel.remove();
        reject(error);
      }
    };
    const buttons = [
      h("button.primary", { type: "button", onclick: answer(true) }, "Confirm payment"),
      h("button.secondary", { type: "button", onclick: answer(false) }, "Refuse"),
    ];
    const until = problem.confirm_by ? new Date(problem.confirm_by).toLocaleString() : null;
    const panel = h(
      "section.panel.bank-confirmation",
      { role: "dialog", "aria-labelledby": "bank-heading" },
      h("h2#bank-heading", null, "Your bank asks you to confirm"),
      h("p", null, problem.detail ?? "Confirm this payment with your bank."),
      h("p.muted", null, `Test mode: this stands in for your bank's page.${until ? ` It waits until ${until}.` : ""}`),
      h("div.actions", null, buttons),
    );
    container.append(panel);
    buttons[0].focus();
  });
}
