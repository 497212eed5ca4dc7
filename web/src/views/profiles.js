import { api } from "../api.js";
import { field, form, h, render, toast } from "../dom.js";
import { navigate } from "../router.js";
import { chooseProfile, isPinLocked, loadMe, session } from "../session.js";

const COLORS = ["#e50914", "#2f80ed", "#27ae60", "#f2994a", "#9b51e0", "#eb5757"];

function avatar(profile, index) {
  const el = h("span.avatar", { "aria-hidden": "true" }, profile.name.slice(0, 1).toUpperCase());
  el.style.background = COLORS[index % COLORS.length];
  return el;
}

export async function profilesView() {
  const me = await loadMe();
  const tiles = me.profiles.map((profile, index) =>
    h(
      "li",
      null,
      h(
        "button.profile-tile",
        {
          type: "button",
          dataset: { profileId: profile.profile_id, kids: String(profile.is_kids), locked: String(isPinLocked(profile)) },
          "aria-label": `${profile.name}${profile.is_kids ? ", kids" : ""}${isPinLocked(profile) ? ", PIN required" : ""}`,
          onclick: () => pick(profile),
        },
        avatar(profile, index),
        h("span.profile-name", null, profile.name),
        profile.is_kids ? h("span.badge.kids", null, "Kids") : null,
        isPinLocked(profile) ? h("span.badge.pin", { title: "PIN required" }, "PIN") : null,
      ),
    ),
  );
  render(
    h(
      "section.profiles",
      null,
      h("h1", null, "Who's watching?"),
      h("ul.profile-grid", { role: "list" }, tiles),
      h("div.pin-slot"),
      h("p", null, h("a.button.secondary", { href: "/account/profiles" }, "Manage profiles")),
    ),
  );
}

async function pick(profile) {
  if (!isPinLocked(profile)) {
    chooseProfile(profile);
    return navigate("/");
  }
  const slot = document.querySelector(".pin-slot");
  slot.replaceChildren(
    form(
      { class: "pin-form", "aria-label": `PIN for ${profile.name}` },
      [
        field(`Enter the PIN for ${profile.name}`, {
          name: "pin",
          type: "password",
          inputMode: "numeric",
          autocomplete: "off",
          pattern: "[0-9]{4}",
          maxLength: 4,
          title: "4 digits",
          required: true,
        }),
        h(
          "div.actions",
          null,
          h("button.primary", { type: "submit" }, "Unlock"),
          h("button.secondary", { type: "button", onclick: () => slot.replaceChildren() }, "Cancel"),
        ),
      ],
      async ({ pin }) => {
        const unlock = await api(`/me/profiles/${profile.profile_id}/unlock`, { method: "POST", body: { pin } });
        chooseProfile(profile, unlock.unlock_token);
        toast(`Unlocked ${profile.name}`);
        navigate("/");
      },
    ),
  );
  slot.querySelector("input").focus();
}

export function profileSwitcher() {
  return session.profile ? h("a.profile-chip", { href: "/profiles", title: "Switch profile" }, session.profile.name) : null;
}
