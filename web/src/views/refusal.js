// What a refused or stopped playback offers to do about it: a plan whose streams are all taken
// (a crashed or forgotten device still holding one) can stop playback on the other devices; a
// full device list can replace its least recently used device, or go to the Devices page.
import { api } from "../api.js";
import { h, toast } from "../dom.js";
import { deviceId } from "../session.js";

/** Ends the account's playback everywhere but on this browser: how many sessions were ended. */
export async function stopOtherDevices() {
  const keep = await deviceId().catch(() => null); // no device of its own: stop them all
  const answer = await api("/playback/stop-others", { method: "POST", body: { keep_device_id: keep } });
  return answer.stopped;
}

function action(label, work, primary = true) {
  const button = h(primary ? "button.primary" : "button.secondary", { type: "button" }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await work();
    } catch (error) {
      toast(error.message, "error");
      button.disabled = false;
    }
  });
  return button;
}

/** The card shown when Play is refused; `retry` asks for the session again. */
export function refusalPanel(error, item, retry) {
  const actions = [];
  if (error?.code === "plan-stream-limit") {
    actions.push(
      action("Stop playback on other devices", async () => {
        await stopOtherDevices();
        await retry();
      }),
    );
  } else if (error?.code === "device-limit-reached") {
    const oldest = error.problem.least_recently_used;
    const name = oldest?.device_name ?? "the least recently used device";
    if (oldest) {
      actions.push(
        action(`Replace ${name}`, async () => {
          await deviceId({ replace: oldest.device_id });
          await retry();
        }),
      );
    }
    actions.push(h("a.button.secondary", { href: "/account/devices" }, "Manage devices"));
  }
  return h(
    "div.player-panel",
    { role: "alert", dataset: { code: error?.code ?? "" } },
    h("h2", null, "This title can't play right now"),
    h("p", null, error?.message ?? String(error)),
    h("div.actions", null, actions, h(actions.length ? "a.button.secondary" : "a.button.primary", { href: `/title/${item.id}` }, "Back")),
  );
}

/** Shown over a player whose session the server ended (stopped from another device, or timed
 * out while its stream went to another device). */
export function endedPanel(error) {
  const elsewhere = error?.code === "session-ended";
  return h(
    "div.player-panel",
    { role: "alert", dataset: { code: error?.code ?? "" } },
    h("h2", null, elsewhere ? "Playback was stopped from another device" : "Playback stopped"),
    h("p", null, elsewhere ? "Someone on this account stopped playback on the other devices." : error?.message ?? ""),
    h("button.primary", { type: "button", onclick: () => location.reload() }, "Play here again"),
  );
}
