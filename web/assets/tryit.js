// "Try it": runs the version through the Open Inference Protocol (/v2) with JSON tensors.
import { api, enc, get } from './api.js';
import { clear, errorBox, h, section, table, uid } from './dom.js';

function example(meta) {
  return {
    inputs: (meta.inputs || []).map((i) => {
      const shape = (i.shape || []).map((d) => (d < 0 ? 1 : d));
      const n = shape.reduce((a, b) => a * b, 1);
      return { name: i.name, shape, datatype: i.datatype, data: new Array(Math.min(n, 4096)).fill(i.datatype === 'BOOL' ? false : 0) };
    }),
  };
}

function preview(data) {
  const flat = Array.isArray(data) ? data.flat(Infinity) : [data];
  const text = JSON.stringify(flat.slice(0, 256));
  return flat.length > 256 ? text.slice(0, -1) + ', … (' + flat.length + ' values)]' : text;
}

export function tryItPanel(model, version) {
  const id = uid('try');
  const base = '/v2/models/' + enc(model) + '/versions/' + enc(version);
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading the model\'s inputs…'));
  const panel = section('Try it', body);
  get(base).then((meta) => {
    const area = h('textarea', { id: id + '-req', rows: 8, class: 'mono', spellcheck: 'false' },
      JSON.stringify(example(meta), null, 1));
    const out = h('div', { 'aria-live': 'polite' });
    const form = h('form', null,
      h('p', { class: 'muted' }, 'Inputs: ', meta.inputs.map((i) => i.name + ' ' + i.datatype + ' [' + i.shape.join(', ') + ']').join('; '),
        ' (-1: any size). Outputs: ', meta.outputs.map((o) => o.name).join(', '), '.'),
      h('label', { for: id + '-req' }, 'Request (POST ' + base + '/infer)'), area,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Run')), out);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clear(out);
      let req;
      try {
        req = JSON.parse(area.value);
      } catch (err) {
        out.append(errorBox({ code: 'invalid_json', message: err.message }));
        return;
      }
      const t0 = performance.now();
      try {
        const res = await api('POST', base + '/infer', req);
        out.append(h('p', { class: 'muted' }, 'Answered by ' + res.model_name + ' version ' + res.model_version +
          ' in ' + Math.round(performance.now() - t0) + ' ms (round trip).'),
        table([
          { label: 'Output', cell: (o) => o.name },
          { label: 'Type', cell: (o) => o.datatype },
          { label: 'Shape', cell: (o) => '[' + o.shape.join(', ') + ']' },
          { label: 'Data', cell: (o) => h('code', { class: 'data' }, preview(o.data)), cls: 'wide' },
        ], res.outputs, { 'aria-label': 'Outputs', id: 'tryit-outputs' }));
      } catch (err) {
        out.append(errorBox(err));
      }
    });
    clear(body).append(form);
  }, (err) => clear(body).append(errorBox(err)));
  return panel;
}
