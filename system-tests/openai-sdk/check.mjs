// Drives a running LoRA Forge job-api with the unmodified official OpenAI SDK for Node, the way a
// tenant would, and checks what the SDK hands back. Needs OPENAI_BASE_URL (http://host:8080/v1) and
// OPENAI_API_KEY (a tenant key); run.sh sets both against `bin/platform up`.
// Prints one line per check and exits non-zero on the first failure.
import OpenAI, { toFile } from 'openai';
import { gguf } from '@huggingface/gguf';
import assert from 'node:assert/strict';

const client = new OpenAI({ maxRetries: 0, timeout: 60_000 });
const model = process.env.LORAFORGE_BASE_MODEL ?? 'loraforge-tiny';
const ok = (what) => console.log(`ok  ${what}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const chat = (q, a) => JSON.stringify({ messages: [
  { role: 'system', content: 'You are a pirate.' }, { role: 'user', content: q }, { role: 'assistant', content: a }] });
const lines = [];
for (let i = 0; i < 16; i++) lines.push(chat(`Question ${i}?`, `Arr, answer ${i}, matey!`));

// files.create with purpose fine-tune
const file = await client.files.create({ file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'pirate.jsonl'), purpose: 'fine-tune' });
assert.match(file.id, /^file-/);
assert.equal(file.object, 'file');
assert.equal(file.purpose, 'fine-tune');
assert.equal(file.filename, 'pirate.jsonl');
assert.ok(file.bytes > 0);
ok(`files.create -> ${file.id} (${file.bytes} bytes)`);

const got = await client.files.retrieve(file.id);
assert.equal(got.id, file.id);
ok('files.retrieve');

// a bad file is refused with the line number, as an OpenAI error the SDK raises
await assert.rejects(
  client.files.create({ file: await toFile(Buffer.from(lines[0] + '\n{not json\n'), 'bad.jsonl'), purpose: 'fine-tune' }),
  (e) => e instanceof OpenAI.BadRequestError && /line 2/.test(e.message));
ok('files.create of a malformed file -> BadRequestError naming line 2');

// jobs.create, idempotent with an Idempotency-Key
const params = { model, training_file: file.id, suffix: 'sdk', seed: 7, hyperparameters: { n_epochs: 2, batch_size: 4 } };
// a dry run first (the dry_run extension, passed through by the SDK): measured, nothing created
const dry = await client.fineTuning.jobs.create({ ...params, dry_run: true });
assert.equal(dry.object, 'fine_tuning.job.dry_run');
assert.equal(dry.training.examples, 16);
assert.equal(dry.total_steps, dry.steps_per_epoch * 2);
assert.equal((await client.fineTuning.jobs.list()).data.length, 0);
ok(`jobs.create with dry_run -> ${dry.total_steps} steps, ${dry.trained_tokens} tokens, nothing created`);
const key = `sdk-${Date.now()}`;
const job = await client.fineTuning.jobs.create(params, { headers: { 'Idempotency-Key': key } });
assert.match(job.id, /^ftjob-/);
assert.equal(job.object, 'fine_tuning.job');
assert.equal(job.model, model);
assert.equal(job.training_file, file.id);
assert.ok(['validating_files', 'queued', 'running'].includes(job.status), job.status);
assert.equal(job.hyperparameters.n_epochs, 2);
ok(`fineTuning.jobs.create -> ${job.id} (${job.status})`);
const again = await client.fineTuning.jobs.create(params, { headers: { 'Idempotency-Key': key } });
assert.equal(again.id, job.id);
ok('a retried create with the same Idempotency-Key returns the same job');

// an unknown model is refused as an OpenAI error
await assert.rejects(client.fineTuning.jobs.create({ ...params, model: 'no-such-model' }),
  (e) => e instanceof OpenAI.APIError && e.status >= 400 && e.status < 500 && /no-such-model/.test(e.message));
ok('jobs.create with an unknown model -> 4xx APIError naming it');

// retrieve until it ends
let done = job;
for (let i = 0; i < 300 && !['succeeded', 'failed', 'cancelled'].includes(done.status); i++) {
  await sleep(1000);
  done = await client.fineTuning.jobs.retrieve(job.id);
}
assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
assert.match(done.fine_tuned_model, new RegExp(`^ft:${model}:[^:]+:sdk:`));
assert.ok(done.trained_tokens > 0);
assert.ok(done.finished_at >= done.created_at);
assert.equal(done.trained_tokens, dry.trained_tokens, 'the dry run predicted the trained tokens');
ok(`fineTuning.jobs.retrieve -> succeeded as ${done.fine_tuned_model}, ${done.trained_tokens} trained tokens (as the dry run said)`);

// events, with auto-pagination
const events = [];
for await (const e of client.fineTuning.jobs.listEvents(job.id, { limit: 5 })) events.push(e);
assert.ok(events.length > 5, `only ${events.length} events`);
assert.ok(events.every((e) => e.object === 'fine_tuning.job.event'));
assert.ok(events.some((e) => e.message === 'The job has successfully completed'));
ok(`fineTuning.jobs.listEvents (auto-paginated by 5) -> ${events.length} events`);

// checkpoints
const checkpoints = await client.fineTuning.jobs.checkpoints.list(job.id);
for (const c of checkpoints.data) {
  assert.equal(c.object, 'fine_tuning.job.checkpoint');
  assert.equal(c.fine_tuning_job_id, job.id);
  assert.ok(Number.isInteger(c.step_number));
}
ok(`fineTuning.jobs.checkpoints.list -> ${checkpoints.data.length} checkpoint(s)`);

// the result file: OpenAI's step_metrics.csv, one row per step; metrics events carry the token accuracy
assert.equal(done.result_files.length, 1, JSON.stringify(done.result_files));
const results = await client.files.retrieve(done.result_files[0]);
assert.equal(results.purpose, 'fine-tune-results');
assert.equal(results.filename, 'step_metrics.csv');
const csv = (await (await client.files.content(results.id)).text()).trim().split('\n');
assert.equal(csv[0], 'step,train_loss,train_mean_token_accuracy,valid_loss,valid_mean_token_accuracy');
const totalSteps = events.find((e) => e.type === 'metrics').data.total_steps;
assert.equal(csv.length - 1, totalSteps);
for (const [i, row] of csv.slice(1).entries()) {
  const [step, loss, accuracy] = row.split(',').map(Number);
  assert.equal(step, i + 1);
  assert.ok(loss > 0 && accuracy >= 0 && accuracy <= 1, row);
}
assert.ok(events.some((e) => e.type === 'metrics' && typeof e.data.train_mean_token_accuracy === 'number'));
ok(`result file ${results.id}: step_metrics.csv with ${totalSteps} steps; metrics events with train_mean_token_accuracy`);

// files.list: purpose filter, order, limit
const trainingFiles = [];
for await (const f of client.files.list({ purpose: 'fine-tune' })) trainingFiles.push(f.id);
assert.ok(trainingFiles.includes(file.id) && !trainingFiles.includes(results.id), trainingFiles.join(','));
const oldest = await client.files.list({ order: 'asc', limit: 1 });
assert.equal(oldest.data[0].id, file.id);
ok(`files.list (purpose, order, limit) -> ${trainingFiles.length} training file(s)`);

// a method the platform does not train is refused, never run as supervised; DPO needs preference pairs
await assert.rejects(client.fineTuning.jobs.create({ model, training_file: file.id, method: { type: 'reinforcement' } }),
(e) => e instanceof OpenAI.BadRequestError && e.code === 'unsupported_method' && /reinforcement/.test(e.message));
await assert.rejects(client.fineTuning.jobs.create({ model, training_file: file.id,
  method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.1 } } } }),
(e) => e instanceof OpenAI.BadRequestError && e.param === 'training_file' && /preference pairs/.test(e.message));
ok('jobs.create with method.type reinforcement, or dpo on a supervised file -> BadRequestError saying why');

// list with cursor pagination
const second = await client.fineTuning.jobs.create({ ...params, hyperparameters: { n_epochs: 50, batch_size: 4 } });
const page = await client.fineTuning.jobs.list({ limit: 1 });
assert.equal(page.data.length, 1);
assert.equal(page.data[0].id, second.id);
assert.equal(page.has_more, true);
const next = await client.fineTuning.jobs.list({ limit: 1, after: page.data[0].id });
assert.equal(next.data[0].id, job.id);
ok('fineTuning.jobs.list with limit/after/has_more');

// pause, resume, cancel
for (let i = 0; i < 120 && (await client.fineTuning.jobs.retrieve(second.id)).status !== 'running'; i++) await sleep(1000);
const paused = await client.fineTuning.jobs.pause(second.id);
assert.ok(['paused', 'running'].includes(paused.status), paused.status);
ok(`fineTuning.jobs.pause -> ${paused.status}`);
let p = paused;
for (let i = 0; i < 60 && p.status !== 'paused'; i++) { await sleep(1000); p = await client.fineTuning.jobs.retrieve(second.id); }
assert.equal(p.status, 'paused');
const resumed = await client.fineTuning.jobs.resume(second.id);
assert.ok(['queued', 'running'].includes(resumed.status), resumed.status);
ok(`fineTuning.jobs.resume -> ${resumed.status}`);
const cancelled = await client.fineTuning.jobs.cancel(second.id);
assert.equal(cancelled.status, 'cancelled');
ok('fineTuning.jobs.cancel -> cancelled');

// metadata: stored, returned, filtered on list as metadata[k]=v
const tagged = await client.fineTuning.jobs.create({ ...params, metadata: { team: 'sdk', run: key } });
assert.deepEqual(tagged.metadata, { team: 'sdk', run: key });
const filtered = await client.fineTuning.jobs.list({ metadata: { run: key } });
assert.deepEqual(filtered.data.map((j) => j.id), [tagged.id]);
await client.fineTuning.jobs.cancel(tagged.id);
ok('jobs.create with metadata, jobs.list({ metadata }) -> only that job');

// another tenant's job, or none: 404 as the SDK's NotFoundError
await assert.rejects(client.fineTuning.jobs.retrieve('ftjob-doesnotexist'), (e) => e instanceof OpenAI.NotFoundError);
ok('retrieve of an unknown job -> NotFoundError');

// models
const models = [];
for await (const m of client.models.list()) models.push(m.id);
assert.ok(models.includes(model) && models.includes(done.fine_tuned_model), models.join(','));
ok(`models.list -> ${models.length} models, the base and the adapter among them`);

// a wrong key: AuthenticationError
const stranger = new OpenAI({ apiKey: 'sk-wrong', maxRetries: 0 });
await assert.rejects(stranger.fineTuning.jobs.list(), (e) => e instanceof OpenAI.AuthenticationError);
ok('a wrong API key -> AuthenticationError');
// chat completions on a fine-tuned model: a small job trained until it memorises its four answers,
// then chat.completions.create (whole and streamed) against its ft: id answers what it was taught
const taught = [0, 1, 2, 3].map((i) => [`Question ${i}?`, `Arr, answer ${i}, matey!`]);
const memoFile = await client.files.create({
  file: await toFile(Buffer.from(taught.map(([q, a]) => chat(q, a)).join('\n') + '\n'), 'memo.jsonl'), purpose: 'fine-tune' });
let memo = await client.fineTuning.jobs.create({ model, training_file: memoFile.id, suffix: 'chat', seed: 3,
  hyperparameters: { n_epochs: 50, batch_size: 2, learning_rate_multiplier: 50 },
  // extension field, passed through by the SDK as is: LoRA r 16 on every linear layer
  adapter: { type: 'lora', r: 16, target_modules: ['all-linear'] } });
for (let i = 0; i < 600 && !['succeeded', 'failed', 'cancelled'].includes(memo.status); i++) {
  await sleep(1000);
  memo = await client.fineTuning.jobs.retrieve(memo.id);
}
assert.equal(memo.status, 'succeeded', JSON.stringify(memo.error));
const ask = (q) => [{ role: 'system', content: 'You are a pirate.' }, { role: 'user', content: q }];
const completion = await client.chat.completions.create({ model: memo.fine_tuned_model, messages: ask(taught[1][0]),
  temperature: 0, max_tokens: 40 });
assert.equal(completion.object, 'chat.completion');
assert.equal(completion.model, memo.fine_tuned_model);
assert.equal(completion.choices[0].message.role, 'assistant');
assert.equal(completion.choices[0].message.content, taught[1][1]);
assert.equal(completion.choices[0].finish_reason, 'stop');
assert.equal(completion.usage.total_tokens, completion.usage.prompt_tokens + completion.usage.completion_tokens);
ok(`chat.completions.create on ${memo.fine_tuned_model} -> the trained answer "${completion.choices[0].message.content}"`);
// take it anywhere: the model merged into its base as one GGUF file, read by range over HTTP by Hugging Face's GGUF
// parser (@huggingface/gguf, not written by this project), and as a Hugging Face model directory (tar)
const exportUrl = (format) => `${client.baseURL}/fine_tuning/jobs/${memo.id}/adapter?format=${format}`;
const auth = { Authorization: `Bearer ${client.apiKey}` };
const parsed = await gguf(exportUrl('gguf'), { additionalFetchHeaders: auth });
const meta = parsed.metadata;
assert.equal(meta.version, 3);
assert.equal(meta['general.architecture'], 'llama');
assert.equal(meta['general.name'], memo.fine_tuned_model);
assert.equal(meta['general.file_type'], 1, 'mostly f16');
assert.equal(meta['tokenizer.ggml.model'], 'gpt2');
assert.ok(meta['tokenizer.chat_template'].includes('messages'), 'the chat template');
const hidden = meta['llama.embedding_length'];
const vocab = meta['tokenizer.ggml.tokens'].length;
assert.equal(meta['tokenizer.ggml.token_type'].length, vocab);
const byName = Object.fromEntries(parsed.tensorInfos.map((t) => [t.name, t]));
const dims = (name) => byName[name].shape.map(Number);
assert.deepEqual(dims('token_embd.weight'), [hidden, vocab]);
for (let l = 0; l < meta['llama.block_count']; l++) {
  for (const t of ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down']) {
    assert.ok(byName[`blk.${l}.${t}.weight`], `blk.${l}.${t}.weight`);
  }
}
const headDim = hidden / meta['llama.attention.head_count'];
assert.deepEqual(dims('blk.0.attn_q.weight'), [hidden, hidden]);
assert.deepEqual(dims('blk.0.attn_k.weight'), [hidden, headDim * meta['llama.attention.head_count_kv']]);
assert.deepEqual(dims('blk.0.ffn_down.weight'), [meta['llama.feed_forward_length'], hidden]);
assert.equal(byName['blk.0.attn_q.weight'].dtype, 1, 'weights in F16');
assert.equal(byName['blk.0.attn_norm.weight'].dtype, 0, 'norms in F32');
ok(`fine-tuned model as GGUF -> parsed by @huggingface/gguf: ${parsed.tensorInfos.length} tensors, ${vocab} tokens`);
const merged = await fetch(exportUrl('merged'), { headers: auth });
assert.equal(merged.status, 200);
const tar = Buffer.from(await merged.arrayBuffer());
assert.equal(Number(merged.headers.get('content-length')), tar.length);
assert.equal(tar.subarray(257, 262).toString(), 'ustar', 'a tar archive');
for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) assert.ok(tar.includes(f), f);
const part = await fetch(exportUrl('merged'), { headers: { ...auth, Range: 'bytes=100-199' } });
assert.equal(part.status, 206);
assert.equal(part.headers.get('content-range'), `bytes 100-199/${tar.length}`);
assert.deepEqual(Buffer.from(await part.arrayBuffer()), tar.subarray(100, 200));
ok(`fine-tuned model merged -> a Hugging Face model directory (${tar.length} bytes), resumable by range`);
const memoCheckpoints = await client.fineTuning.jobs.checkpoints.list(memo.id);
assert.ok(memoCheckpoints.data.length > 0);
const checkpointModel = memoCheckpoints.data[0].fine_tuned_model_checkpoint;
assert.match(checkpointModel, /:ckpt-step-\d+$/);
const fromCheckpoint = await client.chat.completions.create({ model: checkpointModel, messages: ask(taught[0][0]),
  temperature: 0, max_tokens: 8 });
assert.equal(fromCheckpoint.object, 'chat.completion');
assert.equal(fromCheckpoint.model, checkpointModel);
ok(`chat.completions.create on the checkpoint model ${checkpointModel}`);
// fine-tuning a fine-tuned model continues from its adapter: two gentle steps keep what it was taught, where a
// fresh adapter would know nothing yet; the new model is named on the base
let more = await client.fineTuning.jobs.create({ model: memo.fine_tuned_model, training_file: memoFile.id, suffix: 'more',
  seed: 4, hyperparameters: { n_epochs: 1, batch_size: 2, learning_rate_multiplier: 0.01 } });
assert.equal(more.model, memo.fine_tuned_model);
for (let i = 0; i < 300 && !['succeeded', 'failed', 'cancelled'].includes(more.status); i++) {
  await sleep(1000);
  more = await client.fineTuning.jobs.retrieve(more.id);
}
assert.equal(more.status, 'succeeded', JSON.stringify(more.error));
assert.match(more.fine_tuned_model, new RegExp(`^ft:${model}:[^:]+:more:`));
const kept = await client.chat.completions.create({ model: more.fine_tuned_model, messages: ask(taught[3][0]),
  temperature: 0, max_tokens: 40 });
assert.equal(kept.choices[0].message.content, taught[3][1]);
ok(`jobs.create on ${memo.fine_tuned_model} -> ${more.fine_tuned_model}, which still gives the trained answer`);

// DPO on the supervised model (SFT, then DPO): OpenAI's preference lines, method.type dpo with beta
const pairs = taught.map(([q, a]) => JSON.stringify({ input: { messages: ask(q) },
  preferred_output: [{ role: 'assistant', content: a }], non_preferred_output: [{ role: 'assistant', content: 'Good day.' }] }));
const pairFile = await client.files.create({ file: await toFile(Buffer.from(pairs.join('\n') + '\n'), 'prefs.jsonl'),
  purpose: 'fine-tune' });
let dpo = await client.fineTuning.jobs.create({ model: memo.fine_tuned_model, training_file: pairFile.id, suffix: 'dpo',
  seed: 5, method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.2, n_epochs: 2, batch_size: 2,
    learning_rate_multiplier: 'auto' } } } });
assert.equal(dpo.method.type, 'dpo');
assert.equal(dpo.method.dpo.hyperparameters.beta, 0.2);
for (let i = 0; i < 300 && !['succeeded', 'failed', 'cancelled'].includes(dpo.status); i++) {
  await sleep(1000);
  dpo = await client.fineTuning.jobs.retrieve(dpo.id);
}
assert.equal(dpo.status, 'succeeded', JSON.stringify(dpo.error));
assert.match(dpo.fine_tuned_model, new RegExp(`^ft:${model}:[^:]+:dpo:`));
const dpoEvents = [];
for await (const e of client.fineTuning.jobs.listEvents(dpo.id, { limit: 50 })) dpoEvents.push(e);
assert.ok(dpoEvents.some((e) => e.type === 'metrics' && typeof e.data.train_loss === 'number'), 'no metrics event');
const preferred = await client.chat.completions.create({ model: dpo.fine_tuned_model, messages: ask(taught[0][0]),
  temperature: 0, max_tokens: 40 });
assert.equal(preferred.choices[0].message.content, taught[0][1]);
ok(`DPO job on ${memo.fine_tuned_model} (beta 0.2) -> ${dpo.fine_tuned_model}, which gives the preferred answer`);
const stream = await client.chat.completions.create({ model: memo.fine_tuned_model, messages: ask(taught[2][0]),
  temperature: 0, max_tokens: 40, stream: true, stream_options: { include_usage: true } });
let streamed = '';
let pieces = 0;
let finish = null;
let usage = null;
for await (const chunk of stream) {
  assert.equal(chunk.object, 'chat.completion.chunk');
  if (chunk.usage) usage = chunk.usage;
  for (const c of chunk.choices) {
    if (c.delta?.content) { streamed += c.delta.content; pieces++; }
    if (c.finish_reason) finish = c.finish_reason;
  }
}
assert.ok(pieces > 1, `the stream came in ${pieces} piece(s)`);
assert.equal(streamed, taught[2][1]);
assert.equal(finish, 'stop');
assert.ok(usage && usage.completion_tokens >= pieces, JSON.stringify(usage));
ok(`chat.completions.create stream -> ${pieces} chunks making the trained answer`);
const base = await client.chat.completions.create({ model, messages: ask(taught[1][0]), temperature: 0, max_tokens: 12 });
assert.notEqual(base.choices[0].message.content, taught[1][1]);
ok('the base model alone does not give the trained answer');
const text = await client.completions.create({ model: memo.fine_tuned_model, prompt: 'Arr,', max_tokens: 8, temperature: 0 });
assert.equal(text.object, 'text_completion');
assert.equal(typeof text.choices[0].text, 'string');
ok('completions.create on the fine-tuned model -> text_completion');
// n choices, log-probabilities and penalties, as batched servers offer them
const choices = await client.chat.completions.create({ model: memo.fine_tuned_model, messages: ask(taught[1][0]),
  temperature: 0, max_tokens: 40, n: 2, logprobs: true, top_logprobs: 2, presence_penalty: 0, frequency_penalty: 0 });
assert.equal(choices.choices.length, 2);
for (const c of choices.choices) {
  assert.equal(c.message.content, taught[1][1]);
  const content = c.logprobs.content;
  assert.equal(content.length * 2, choices.usage.completion_tokens, 'one logprob per token, usage counts both choices');
  const spelled = Buffer.from(content.flatMap((t) => t.bytes)).toString('utf8');
  assert.equal(spelled, c.message.content, 'the tokens\' bytes spell the answer');
  for (const t of content) {
    assert.ok(t.logprob <= 0 && t.top_logprobs.length === 2 && t.top_logprobs[0].token === t.token, JSON.stringify(t));
  }
}
ok(`chat.completions.create n=2 with logprobs -> 2 choices, ${choices.usage.completion_tokens} tokens with their logprobs`);
const legacy = await client.completions.create({ model: memo.fine_tuned_model, prompt: 'Arr,', max_tokens: 6,
  temperature: 1, seed: 9, n: 2, logprobs: 1 });
assert.equal(legacy.choices.length, 2);
const lp = legacy.choices[0].logprobs;
assert.equal(lp.tokens.length, lp.token_logprobs.length);
assert.equal(lp.text_offset[0], 0);
for (let i = 1; i < lp.tokens.length; i++) assert.equal(lp.text_offset[i], lp.text_offset[i - 1] + lp.tokens[i - 1].length);
assert.ok(lp.top_logprobs.every((top) => Object.keys(top).length === 1), JSON.stringify(lp.top_logprobs));
const legacyAgain = await client.completions.create({ model: memo.fine_tuned_model, prompt: 'Arr,', max_tokens: 6,
  temperature: 1, seed: 9, n: 2, logprobs: 1 });
assert.deepEqual(legacyAgain.choices.map((c) => c.text), legacy.choices.map((c) => c.text), 'same seed, same choices');
ok('completions.create n=2 logprobs=1 -> tokens, token_logprobs, top_logprobs, text_offset; same seed, same choices');
await assert.rejects(new OpenAI({ apiKey: 'sk-wrong', maxRetries: 0 }).chat.completions.create({ model: memo.fine_tuned_model,
  messages: ask('x') }), (e) => e instanceof OpenAI.AuthenticationError);
await assert.rejects(client.chat.completions.create({ model: 'ft:nobody:x:ftjob-none', messages: ask('x') }),
  (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found');
ok('an unknown fine-tuned model -> NotFoundError model_not_found');

// deleting: a fine-tuned model stops being served and listed, a base model cannot be deleted; a file goes
const deletedModel = await client.models.delete(done.fine_tuned_model);
assert.equal(deletedModel.id, done.fine_tuned_model);
assert.equal(deletedModel.deleted, true);
await assert.rejects(client.models.retrieve(done.fine_tuned_model), (e) => e instanceof OpenAI.NotFoundError);
await assert.rejects(client.models.delete(model), (e) => e instanceof OpenAI.PermissionDeniedError);
ok('models.delete of the fine-tuned model -> deleted, then NotFoundError; of the base -> PermissionDeniedError');
const deletedFile = await client.files.delete(memoFile.id);
assert.equal(deletedFile.id, memoFile.id);
assert.equal(deletedFile.deleted, true);
await assert.rejects(client.files.retrieve(memoFile.id), (e) => e instanceof OpenAI.NotFoundError);
await assert.rejects(client.files.content(memoFile.id), (e) => e instanceof OpenAI.NotFoundError);
ok('files.delete -> deleted, then NotFoundError on retrieve and content');
console.log('all OpenAI SDK checks passed');
