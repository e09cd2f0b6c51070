// Independent reference for `tune preview --json`. A model directory's tokenizer.json and
// tokenizer_config.json are loaded by transformers.js's tokenizers (@lenml/tokenizers); each chat
// record is rendered by Hugging Face's JavaScript Jinja (@huggingface/jinja, what transformers.js's
// apply_chat_template uses, in a release that parses Qwen3's template) with the variables
// transformers passes (messages, add_generation_prompt=false, the special tokens), then tokenized
// as apply_chat_template(tokenize=True) does: add_special_tokens=False.
// usage: node reference.mjs MODEL_DIR DATA.jsonl   -> one {"line","text","input_ids"} per record
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";
import { TokenizerLoader } from "@lenml/tokenizers";

const [modelDir, dataFile] = process.argv.slice(2);
const config = JSON.parse(readFileSync(join(modelDir, "tokenizer_config.json"), "utf8"));
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(readFileSync(join(modelDir, "tokenizer.json"), "utf8")),
  tokenizerConfig: config,
});
const spelled = (t) => (t && typeof t === "object" ? t.content : t);
const special = {};
for (const key of ["bos_token", "eos_token", "pad_token", "unk_token"]) {
  if (config[key] != null) special[key] = spelled(config[key]);
}
const template = new Template(config.chat_template);
readFileSync(dataFile, "utf8").split("\n").forEach((line, i) => {
  if (line.trim() === "") return;
  const messages = JSON.parse(line).messages.map((m) => ({ role: m.role, content: m.content }));
  const text = template.render({ messages, add_generation_prompt: false, ...special });
  const input_ids = tokenizer.encode(text, { add_special_tokens: false });
  process.stdout.write(JSON.stringify({ line: i + 1, text, input_ids }) + "\n");
});
