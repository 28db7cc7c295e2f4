// The plain-text part: values verbatim (no escaping: nothing interprets this part), one
// paragraph per block, labelled fields one per line so a password is never followed by
// punctuation a reader might copy with it.
import type { Block, EmailContent, FieldValue } from "./content.ts";

export function renderText(content: EmailContent): string {
  return content.blocks.map((block) => renderBlock(block, content.labelSeparator)).join("\n\n") + "\n";
}

function renderBlock(block: Block, labelSeparator: string): string {
  switch (block.kind) {
    case "paragraph":
      return block.lines.join("\n");
    case "fields":
      return block.fields.map((field) => `${field.label}${labelSeparator}${fieldText(field.value)}`).join("\n");
  }
}

function fieldText(value: FieldValue): string {
  return value.kind === "link" ? value.url : value.text;
}
