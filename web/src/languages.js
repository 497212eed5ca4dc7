// Languages offered for the account's language preferences: a list to choose from rather than a
// free-text box (the users service takes BCP 47 tags like "en" or "pt-BR"). Names come from the
// browser (Intl.DisplayNames), in the browser's own language.
import { field } from "./dom.js";

export const LANGUAGES = [
  "ar", "bn", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fr", "he", "hi", "hu", "id", "it",
  "ja", "ko", "ms", "nl", "no", "pl", "pt", "pt-BR", "ro", "ru", "sv", "sw", "ta", "th", "tr", "uk",
  "ur", "vi", "zh", "zh-TW",
];

let names = null;
export function languageName(code) {
  try {
    names ??= new Intl.DisplayNames([navigator.language, "en"], { type: "language" });
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

/** A labelled select of LANGUAGES sorted by name; `none` is the label of the empty choice. */
export function languageField(label, { name, value, none = null }) {
  const codes = value && !LANGUAGES.includes(value) ? [...LANGUAGES, value] : LANGUAGES;
  const options = codes.map((code) => [code, `${languageName(code)} (${code})`]).sort((a, b) => a[1].localeCompare(b[1]));
  return field(label, { name, type: "select", value: value ?? "", options: none === null ? options : [["", none], ...options] });
}
