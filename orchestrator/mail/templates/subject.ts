// A subject becomes a mail header: a CR or LF coming from a customer value (a company name, a
// first name) could end the header and inject others. Every line break or control character is
// replaced by a space, including the Unicode separators some mail libraries fold as newlines.

const LINE_BREAKS_AND_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

export function singleLine(value: string): string {
  return value.replace(LINE_BREAKS_AND_CONTROLS, " ").replace(/ {2,}/g, " ").trim();
}
