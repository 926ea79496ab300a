// The upload form: drop files (or pick them) and a meta JSON; one multipart POST through
// XMLHttpRequest, whose upload progress events drive a real progress bar.
import { ApiError, api, getOrNull, modelPath, upload } from './api.js';
import { clear, errorBox, fmtBytes, h, uid } from './dom.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

// opts: {model (fixed, optional), onDone(version)}.
export function uploadForm(opts) {
  const id = uid('upload');
  let files = [];
  const modelInput = opts.model
    ? null
    : h('input', { id: id + '-model', name: 'model', required: true, spellcheck: 'false', placeholder: 'resnet18' });
  const fileInput = h('input', { id: id + '-files', type: 'file', multiple: true, class: 'visually-hidden' });
  const list = h('ul', { class: 'files', 'aria-live': 'polite' });
  const meta = h('textarea', {
    id: id + '-meta', rows: 4, spellcheck: 'false', class: 'mono',
    placeholder: '{"lineage":{"run":"r-42","parents":[{"model":"resnet18","version":1}]}}',
  });
  const bar = h('progress', { id: id + '-progress', max: 100, value: 0, 'aria-label': 'Upload progress' });
  const pct = h('span', { class: 'pct', 'aria-live': 'polite' }, '');
  const out = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Upload');

  const showFiles = () => {
    clear(list).append(...files.map((f, i) => h('li', null,
      h('span', { class: 'mono' }, f.name), ' ', h('span', { class: 'muted' }, fmtBytes(f.size)), ' ',
      h('button', { type: 'button', class: 'small', 'aria-label': 'Remove ' + f.name, onclick: () => {
        files.splice(i, 1);
        showFiles();
      } }, 'Remove'))));
  };
  const addFiles = (fileList) => {
    for (const f of fileList) {
      files = files.filter((g) => g.name !== f.name);
      files.push(f);
    }
    showFiles();
  };
  fileInput.addEventListener('change', () => addFiles(fileInput.files));
  const drop = h('label', { for: id + '-files', class: 'drop', tabindex: 0 },
    h('strong', null, 'Drop files here'), ' or press Enter to choose them. ',
    h('span', { class: 'muted' }, 'Each file becomes an artifact under its own name (model.onnx, weights.pt, reference.safetensors …).'));
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      fileInput.click();
    }
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    addFiles(e.dataTransfer.files);
  });

  const form = h('form', { class: 'upload', 'aria-describedby': id + '-help' },
    modelInput ? h('div', { class: 'field' }, h('label', { for: id + '-model' }, 'Model name'), modelInput) : null,
    h('div', { class: 'field' }, h('span', { id: id + '-help', class: 'label' }, 'Artifacts'), drop, fileInput, list),
    h('div', { class: 'field' }, h('label', { for: id + '-meta' }, 'Meta (JSON, optional: lineage, tags, params, metrics, parity)'), meta),
    h('div', { class: 'row' }, submit, bar, pct),
    out);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(out);
    const model = opts.model || modelInput.value.trim();
    try {
      if (!NAME_RE.test(model)) throw new ApiError(0, 'invalid_argument', 'a model name is letters, digits, ".", "_" or "-" (at most 128)');
      if (files.length === 0) throw new ApiError(0, 'invalid_argument', 'choose at least one file');
      let metaText = meta.value.trim() || '{}';
      try {
        const parsed = JSON.parse(metaText);
        if (typeof parsed !== 'object' || Array.isArray(parsed) || parsed === null) throw new Error('not an object');
      } catch (err) {
        throw new ApiError(0, 'invalid_argument', 'meta is not a JSON object: ' + err.message);
      }
      submit.disabled = true;
      if (!(await getOrNull(modelPath(model)))) await api('POST', '/api/v1/models', { name: model });
      const fd = new FormData();
      fd.append('meta', metaText);
      for (const f of files) fd.append(f.name, f, f.name);
      bar.value = 0;
      const version = await upload(modelPath(model) + '/versions', fd, (loaded, total) => {
        const p = Math.round((loaded / total) * 100);
        bar.value = p;
        pct.textContent = p + ' %';
      });
      out.append(h('p', { role: 'status' }, 'Uploaded ' + model + ' version ' + version.version + '.'));
      files = [];
      showFiles();
      if (opts.onDone) opts.onDone(version);
    } catch (err) {
      out.append(errorBox(err));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
