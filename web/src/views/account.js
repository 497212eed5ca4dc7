// Account pages: profiles, devices, preferences, parental controls, password & data.
import { api } from "../api.js";
import { field, form, h, render, toast } from "../dom.js";
import { forgetDevice, loadMe } from "../session.js";
import { stopOtherDevices } from "./refusal.js";
import { security } from "./account_security.js";
import { languageField } from "../languages.js";

const RATINGS = ["G", "PG", "PG-13", "R", "NC-17", "TV-Y", "TV-Y7", "TV-G", "TV-PG", "TV-14", "TV-MA"];
const SECTIONS = [
  ["profiles", "Profiles"],
  ["devices", "Devices"],
  ["preferences", "Preferences"],
  ["parental", "Parental controls"],
  ["security", "Password & data"],
  ["billing", "Plan & billing"], // served by views/billing.js (route /account/billing)
];

export async function accountView({ section = "profiles" } = {}) {
  const me = await loadMe();
  const nav = h(
    "nav.tabs",
    { "aria-label": "Account sections" },
    SECTIONS.map(([key, label]) =>
      h("a", { href: `/account/${key}`, "aria-current": key === section ? "page" : undefined }, label),
    ),
  );
  const body = { profiles, devices, preferences, parental, security }[section] ?? profiles;
  render(
    h(
      "section.account",
      null,
      h("h1", null, "Account"),
      h("p.muted", null, `${me.email} · ${me.subscription?.tier ?? "basic"} plan · ${me.personal_info?.country ?? ""}`),
      nav,
      body(me),
    ),
  );
}

const again = (section) => () => accountView({ section });

function profiles(me) {
  return h(
    "section.panel",
    { "aria-labelledby": "profiles-heading" },
    h("h2#profiles-heading", null, "Profiles"),
    h(
      "ul.list",
      { role: "list" },
      me.profiles.map((profile) =>
        h(
          "li.list-item.profile-row",
          { dataset: { profileId: profile.profile_id } },
          h("span", null, profile.name, profile.is_kids ? h("span.badge.kids", null, "Kids") : null, profile.is_main ? h("span.badge", null, "Main") : null),
          h(
            "span.muted",
            null,
            profile.max_maturity_rating
              ? `Up to ${profile.max_maturity_rating}`
              : profile.is_kids
                ? "Up to PG and TV-PG"
                : "All ratings",
          ),
          autoplayToggle(profile, me),
          profile.is_main
            ? h("span")
            : h(
                "button.link",
                {
                  type: "button",
                  "aria-label": `Delete profile ${profile.name}`,
                  onclick: async () => {
                    await api(`/me/profiles/${profile.profile_id}`, { method: "DELETE" });
                    toast(`Deleted ${profile.name}`);
                    again("profiles")();
                  },
                },
                "Delete",
              ),
        ),
      ),
    ),
    h("h3", null, "Add a profile"),
    form(
      { "aria-label": "Add a profile", class: "grid-form" },
      [
        field("Name", { name: "name", required: true, maxLength: 50 }),
        field("Kids profile (PG and TV-PG at most)", { name: "is_kids", type: "checkbox" }),
        field("Maturity limit", { name: "max_maturity_rating", type: "select", options: [["", "Default"], ...RATINGS] }),
        field("Autoplay next episode", { name: "autoplay", type: "checkbox", checked: true }),
        h("button.primary", { type: "submit" }, "Add profile"),
      ],
      async (values) => {
        const body = { name: values.name, is_kids: values.is_kids === "on", preferences: { autoplay: values.autoplay === "on" } };
        if (values.max_maturity_rating) body.max_maturity_rating = values.max_maturity_rating;
        const created = await api("/me/profiles", { method: "POST", body });
        toast(`Added ${created.name}`);
        again("profiles")();
      },
    ),
  );
}

/** The profile's own autoplay preference (next episode); unset, the account's applies. */
function autoplayToggle(profile, me) {
  const own = profile.preferences?.autoplay;
  const box = field("Autoplay next episode", {
    name: `autoplay-${profile.profile_id}`,
    id: `autoplay-${profile.profile_id}`,
    type: "checkbox",
    checked: own ?? me.preferences?.autoplay ?? true,
    "aria-label": `Autoplay next episode for ${profile.name}`,
  });
  box.input.addEventListener("change", async () => {
    const autoplay = box.input.checked;
    try {
      await api(`/me/profiles/${profile.profile_id}`, {
        method: "PATCH",
        body: { preferences: { ...(profile.preferences ?? {}), autoplay } },
      });
      toast(`Autoplay ${autoplay ? "on" : "off"} for ${profile.name}`);
      again("profiles")();
    } catch (error) {
      box.input.checked = !autoplay;
      toast(error.message, "error");
    }
  });
  return box;
}

function devices(me) {
  return h(
    "section.panel",
    { "aria-labelledby": "devices-heading" },
    h("h2#devices-heading", null, "Devices"),
    h(
      "div.actions",
      null,
      h(
        "button.secondary",
        {
          type: "button",
          onclick: async () => {
            const stopped = await stopOtherDevices().catch((error) => toast(error.message, "error"));
            if (stopped !== undefined) toast(stopped ? `Stopped playback on ${stopped} other device${stopped > 1 ? "s" : ""}` : "Nothing was playing on other devices");
          },
        },
        "Stop playback on other devices",
      ),
    ),
    me.devices.length
      ? h(
          "ul.list",
          { role: "list" },
          me.devices.map((device) =>
            h(
              "li.list-item",
              null,
              h("span", null, device.device_name ?? device.device_type),
              h(
                "span.muted",
                null,
                `Last used ${new Date(device.last_active ?? device.first_registered).toLocaleDateString()} · since ${new Date(device.first_registered).toLocaleDateString()}`,
              ),
              h(
                "button.link",
                {
                  type: "button",
                  onclick: async () => {
                    await api(`/me/devices/${device.device_id}`, { method: "DELETE" });
                    forgetDevice(); // if it was this browser's, it registers again on the next Play
                    toast("Device removed");
                    again("devices")();
                  },
                },
                "Remove",
              ),
            ),
          ),
        )
      : h("p.muted", null, "No devices yet: this browser registers itself when you first press play."),
  );
}

function preferences(me) {
  const prefs = me.preferences ?? {};
  return h(
    "section.panel",
    { "aria-labelledby": "prefs-heading" },
    h("h2#prefs-heading", null, "Preferences"),
    form(
      { "aria-label": "Preferences", class: "grid-form" },
      [
        languageField("Language", { name: "language", value: prefs.language ?? "en" }),
        languageField("Subtitle language", { name: "subtitle_language", value: prefs.subtitle_language, none: "None" }),
        languageField("Audio language", { name: "audio_language", value: prefs.audio_language, none: "The title's own" }),
        field("Video quality", { name: "video_quality", type: "select", value: prefs.video_quality ?? "auto", options: ["auto", "low", "medium", "high", "ultra"] }),
        field("Autoplay next episode", { name: "autoplay", type: "checkbox", checked: prefs.autoplay ?? true }),
        field("Autoplay previews", { name: "autoplay_previews", type: "checkbox", checked: prefs.autoplay_previews ?? false }),
        h("button.primary", { type: "submit" }, "Save preferences"),
      ],
      async (values) => {
        const body = {
          language: values.language || undefined,
          subtitle_language: values.subtitle_language || null, // "None": cleared
          audio_language: values.audio_language || null,
          video_quality: values.video_quality,
          autoplay: values.autoplay === "on",
          autoplay_previews: values.autoplay_previews === "on",
        };
        await api("/me/preferences", { method: "PATCH", body: JSON.parse(JSON.stringify(body)) });
        toast("Preferences saved");
      },
    ),
  );
}

function parental(me) {
  const controls = me.preferences?.parental_controls ?? {};
  const profileBoxes = me.profiles.map((profile) =>
    field(`PIN to open “${profile.name}”`, {
      name: `restrict-${profile.profile_id}`,
      id: `restrict-${profile.profile_id}`,
      type: "checkbox",
      checked: controls.restricted_profiles?.includes(profile.profile_id),
    }),
  );
  return h(
    "section.panel",
    { "aria-labelledby": "parental-heading" },
    h("h2#parental-heading", null, "Parental controls"),
    form(
      { "aria-label": "Parental controls", class: "grid-form" },
      [
        field("Parental controls on", { name: "enabled", type: "checkbox", checked: controls.enabled }),
        field("Maximum rating without the PIN", {
          name: "max_maturity_rating",
          type: "select",
          value: controls.max_maturity_rating ?? "",
          options: [["", "No limit"], ...RATINGS],
        }),
        field(controls.pin_set ? "New PIN (4 digits, empty: keep)" : "PIN (4 digits)", {
          name: "pin",
          type: "password",
          inputMode: "numeric",
          pattern: "[0-9]{4}",
          maxLength: 4,
          autocomplete: "new-password",
        }),
        controls.pin_set
          ? field("Current PIN", { name: "current_pin", type: "password", inputMode: "numeric", pattern: "[0-9]{4}", maxLength: 4, autocomplete: "off" })
          : null,
        h("fieldset", null, h("legend", null, "PIN-locked profiles"), profileBoxes),
        h("button.primary", { type: "submit" }, "Save parental controls"),
      ],
      async (values) => {
        const body = {
          enabled: values.enabled === "on",
          max_maturity_rating: values.max_maturity_rating || null,
          restricted_profiles: me.profiles.filter((p) => values[`restrict-${p.profile_id}`] === "on").map((p) => p.profile_id),
        };
        if (values.pin) body.pin = values.pin;
        if (values.current_pin) body.current_pin = values.current_pin;
        await api("/me/parental-controls", { method: "PUT", body });
        toast("Parental controls saved");
        again("parental")();
      },
    ),
  );
}

