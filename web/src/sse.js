// Server-Sent Events over fetch. EventSource cannot send an Authorization header, and the access
// token lives only in memory (never in a cookie or a URL, where logs and Referers would keep it),
// so the stream is read with fetch + ReadableStream and parsed here, the way the HTML standard's
// "event stream interpretation" says, with its reconnection rules: `retry:` sets the delay,
// `id:` is sent back as Last-Event-ID, and a 204 means "do not reconnect".
import { bearer, refresh } from "./api.js";

/** Incremental text/event-stream parser: push() decoded text, get events through onEvent. */
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent; // ({event, data, id}) => void
    this.onRetry = () => {};
    this.pending = "";
    this.reset();
    this.lastEventId = "";
  }

  reset() {
    this.event = "";
    this.data = [];
  }

  push(text) {
    this.pending += text;
    // A line ends with CRLF, LF or CR; a CR at the very end waits: it may be half of a CRLF.
    const lines = this.pending.split(/\r\n|\n|\r(?!$)/);
    this.pending = lines.pop();
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return; // a comment: the server's keep-alive
    const colon = line.indexOf(":");
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "event") this.event = value;
    else if (name === "data") this.data.push(value);
    else if (name === "id" && !value.includes("\0")) this.lastEventId = value;
    else if (name === "retry" && /^\d+$/.test(value)) this.onRetry(Number(value));
  }

  dispatch() {
    if (this.data.length) {
      this.onEvent({ event: this.event || "message", data: this.data.join("\n"), id: this.lastEventId });
    }
    this.reset();
  }
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Follows an event stream under /api/v1 until `isDone(event)` says the last event came (or the
 * server answers 204), reconnecting with Last-Event-ID when the connection drops.
 *
 * `onFallback(reason)` is called, and the stream given up, when streaming itself does not work:
 * an answer that is not an event stream, or `maxFailures` attempts in a row that delivered
 * nothing. The caller then polls instead.
 *
 * @returns {{close: () => void, done: Promise<void>}}
 */
export function followEvents(path, { onEvent, isDone = () => false, onFallback, maxFailures = 3 }) {
  const controller = new AbortController();
  const { signal } = controller;
  let retryMs = 2000;
  let lastEventId = "";
  let finished = false;

  const attempt = async () => {
    const headers = { Accept: "text/event-stream" };
    if (bearer()) headers.Authorization = `Bearer ${bearer()}`;
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    let response = await fetch(`/api/v1${path}`, { headers, signal, cache: "no-store" });
    if (response.status === 401 && (await refresh())) {
      headers.Authorization = `Bearer ${bearer()}`;
      response = await fetch(`/api/v1${path}`, { headers, signal, cache: "no-store" });
    }
    if (response.status === 204) return "done";
    const type = response.headers.get("content-type") ?? "";
    if (!response.ok || !type.startsWith("text/event-stream") || !response.body) {
      return `no stream (${response.status})`;
    }
    let received = false;
    const parser = new SseParser((message) => {
      received = true;
      lastEventId = message.id;
      let data = message.data;
      try {
        data = JSON.parse(data);
      } catch {
        /* not JSON: handed over as text */
      }
      onEvent(message.event, data);
      if (isDone(message.event, data)) finished = true;
    });
    parser.lastEventId = lastEventId;
    parser.onRetry = (ms) => (retryMs = ms);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } finally {
      reader.releaseLock();
    }
    return finished ? "done" : received ? "dropped" : "empty";
  };

  const done = (async () => {
    let failures = 0;
    while (!signal.aborted) {
      let outcome;
      try {
        outcome = await attempt();
      } catch (error) {
        if (signal.aborted) return;
        outcome = finished ? "done" : "error"; // the connection broke (network, proxy, server restart)
      }
      if (outcome === "done") return;
      if (outcome.startsWith("no stream")) return onFallback?.(outcome);
      failures = outcome === "dropped" ? 0 : failures + 1;
      if (failures >= maxFailures) return onFallback?.(`${failures} attempts failed`);
      await sleep(retryMs, signal);
    }
  })();

  return { close: () => controller.abort(), done };
}
