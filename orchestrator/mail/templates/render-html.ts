// The HTML part: one self-contained document (no external stylesheet, image or font, which mail
// clients block or which would track the reader), inline styles because most clients drop
// <style>, and a language attribute so screen readers pronounce the French as French.
// Every string comes from the copy or the customer and is escaped here, without exception.
import type { Block, EmailContent, Field, FieldValue } from "./content.ts";
import { escapeHtml } from "./escape.ts";
import { httpUrlOrUndefined } from "./safe-url.ts";

const FONT = "font-family:-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica,Arial,sans-serif";
const MONOSPACE = "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,Liberation Mono,monospace";

export function renderHtml(content: EmailContent): string {
  const body = content.blocks.map(renderBlock).join("\n");
  return [
    "<!DOCTYPE html>",
    `<html lang="${content.locale}" dir="ltr">`,
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(content.subject)}</title>`,
    "</head>",
    `<body style="margin:0;padding:24px 12px;background-color:#f3f4f6;color:#1f2328;${FONT};font-size:16px;line-height:1.5">`,
    `<div style="max-width:560px;margin:0 auto;padding:32px 28px;background-color:#ffffff;border-radius:8px">`,
    body,
    "</div>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case "paragraph":
      return `<p style="margin:0 0 16px">${block.lines.map(escapeHtml).join("<br>")}</p>`;
    case "fields":
      return [
        '<div style="margin:24px 0;padding:16px 20px;background-color:#f6f8fa;border:1px solid #d0d7de;border-radius:6px">',
        ...block.fields.map(renderField),
        "</div>",
      ].join("\n");
  }
}

function renderField(field: Field): string {
  return (
    '<p style="margin:0 0 12px">' +
    `<span style="display:block;font-size:14px;color:#57606a">${escapeHtml(field.label)}</span>` +
    renderValue(field.value) +
    "</p>"
  );
}

function renderValue(value: FieldValue): string {
  switch (value.kind) {
    case "text":
      return escapeHtml(value.text);
    case "link": {
      const href = httpUrlOrUndefined(value.url);
      // Anything else than http(s) is shown, not linked: the reader sees what was configured.
      if (href === undefined) return `<span style="word-break:break-all">${escapeHtml(value.url)}</span>`;
      return `<a href="${escapeHtml(href)}" style="color:#0b5cad;word-break:break-all">${escapeHtml(value.url)}</a>`;
    }
    case "code": {
      // translate="no": a browser's translation must not "translate" something to be typed exactly.
      const style = value.secret
        ? `${MONOSPACE};font-size:17px;padding:4px 8px;background-color:#fff8c5;border:1px solid #d4a72c;border-radius:4px;letter-spacing:0.5px`
        : `${MONOSPACE};font-size:15px;padding:2px 6px;background-color:#eaeef2;border-radius:4px`;
      return `<code translate="no" style="${style}">${escapeHtml(value.text)}</code>`;
    }
  }
}
