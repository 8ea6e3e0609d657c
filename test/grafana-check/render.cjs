'use strict';
// Renders the dashboards' panels with Grafana's own data code
// (@grafana/data, the package Grafana's front end is built on) on frames
// built from real Prometheus answers, and prints what a reader would see.
//
// stdin, JSON: {"dashboards": [<dashboard>...],
//               "answers": {"<uid>/<panel id>/<refId>": <the API's "data">}}
// stdout, JSON: {"panels": [{uid, id, title, type, errors, fields}]}, each
// field with its header or series name, config and displayed values.
//
// What is checked here, against Grafana's registries: transformation ids,
// override matcher ids and property ids, units and reducers. The names of
// custom (panel-specific) properties are left to the Go schema check.

// stdout carries the result only; what the libraries log goes to stderr.
console.log = console.info = console.error;

// Grafana's data code runs in a browser and reads window, document,
// navigator and localStorage.
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { url: 'http://localhost/' });
for (const name of ['window', 'document', 'navigator', 'localStorage', 'history', 'location']) {
  Object.defineProperty(globalThis, name, { value: name === 'window' ? dom.window : dom.window[name], configurable: true });
}

const { firstValueFrom } = require('rxjs');
const g = require('@grafana/data');

// Some transformers are exported under two names.
g.standardTransformersRegistry.setInit(() =>
  [...new Map(Object.values(g.standardTransformers).map((t) => [t.id, t])).values()].map((t) => ({
    id: t.id,
    name: t.name,
    description: t.description,
    transformation: t,
  }))
);

// The standard field options of Grafana's field config editor, with the
// processors @grafana/data gives them; the numeric ones apply to numbers.
const numeric = (field) => field.type === g.FieldType.number;
const always = () => true;
g.standardFieldConfigEditorRegistry.setInit(() =>
  [
    ['unit', g.unitOverrideProcessor, numeric],
    ['min', g.numberOverrideProcessor, numeric],
    ['max', g.numberOverrideProcessor, numeric],
    ['fieldMinMax', g.booleanOverrideProcessor, numeric],
    ['decimals', g.numberOverrideProcessor, numeric],
    ['displayName', g.displayNameOverrideProcessor, always],
    ['color', g.identityOverrideProcessor, always],
    ['noValue', g.stringOverrideProcessor, always],
    ['thresholds', g.thresholdsOverrideProcessor, numeric],
    ['mappings', g.valueMappingsOverrideProcessor, always],
    ['links', g.dataLinksOverrideProcessor, always],
    ['actions', g.identityOverrideProcessor, always],
    ['filterable', g.booleanOverrideProcessor, always],
  ].map(([id, process, shouldApply]) => ({ id, path: id, name: id, process, shouldApply, override: {}, editor: {}, settings: {} }))
);

const theme = g.createTheme();

// Units Grafana knows by id, and the custom units it builds from a prefix.
const customUnits = ['prefix', 'suffix', 'time', 'si', 'count', 'currency', 'bool'];
function unitErrors(unit) {
  if (!unit || g.getValueFormatterIndex()[unit] || customUnits.includes(unit.split(':')[0]) && unit.includes(':')) {
    return [];
  }
  return [`unit ${unit} is not one of Grafana's`];
}

// Grafana's Prometheus data source: renderLegendFormat.
function legend(format, labels) {
  return format.replace(/\{\{\s*(.+?)\s*\}\}/g, (_, name) => labels[name] ?? '');
}

function sample([t, v]) {
  return [Math.round(t * 1000), Number(v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : v)];
}

// seriesFrames is a time series query's answer as the data source's
// frames: one a series, its value field named by the legend.
function seriesFrames(target, data) {
  return data.result.map((s) => {
    const labels = { ...s.metric };
    delete labels.__name__;
    const points = (s.values ?? [s.value]).map(sample);
    const config = target.legendFormat ? { displayNameFromDS: legend(target.legendFormat, labels) } : {};
    return {
      refId: target.refId,
      name: config.displayNameFromDS,
      length: points.length,
      fields: [
        { name: 'Time', type: 'time', config: {}, values: points.map((p) => p[0]) },
        { name: 'Value', type: 'number', config, labels, values: points.map((p) => p[1]) },
      ],
    };
  });
}

// tableFrame is a table query's answer as Grafana's Prometheus data source
// shapes it (transformDFToTable): a Time column, a column a label in order
// of appearance (each series' labels sorted) and the value, named
// "Value #<refId>" when the panel has more than one table query.
function tableFrame(target, data, tableQueries) {
  const series = data.result.map((s) => {
    const labels = { ...s.metric };
    delete labels.__name__;
    return { labels, point: sample(s.value ?? s.values[s.values.length - 1]) };
  });
  const names = [];
  for (const s of series) {
    for (const l of Object.keys(s.labels).sort()) {
      if (!names.includes(l)) names.push(l);
    }
  }
  const value = tableQueries > 1 ? `Value #${target.refId}` : 'Value';
  return {
    refId: target.refId,
    length: series.length,
    fields: [
      { name: 'Time', type: 'time', config: {}, values: series.map((s) => s.point[0]) },
      ...names.map((l) => ({ name: l, type: l === 'le' ? 'number' : 'string', config: { filterable: true }, values: series.map((s) => s.labels[l] ?? '') })),
      { name: value, type: 'number', config: {}, values: series.map((s) => s.point[1]) },
    ],
  };
}

async function render(dashboard, panel, answers) {
  const errors = [];
  const tableQueries = panel.targets.filter((t) => t.format === 'table').length;
  let frames = [];
  for (const target of panel.targets) {
    const data = answers[`${dashboard.uid}/${panel.id}/${target.refId}`];
    if (!data) {
      errors.push(`query ${target.refId}: no answer`);
      continue;
    }
    frames.push(...(target.format === 'table' ? [tableFrame(target, data, tableQueries)] : seriesFrames(target, data)));
  }

  for (const t of panel.transformations ?? []) {
    if (!g.standardTransformersRegistry.getIfExists(t.id)) {
      errors.push(`transformation ${t.id} is not one of Grafana's`);
    }
  }
  if (errors.length === 0 && panel.transformations) {
    frames = await firstValueFrom(g.transformDataFrame(panel.transformations, frames));
  }

  const fc = panel.fieldConfig;
  errors.push(...unitErrors(fc.defaults.unit));
  const registry = g.createFieldConfigRegistry({}, panel.type);
  // Custom properties: their names are checked by the Go schema check.
  const custom = new Set(Object.keys(fc.defaults.custom ?? {}).map((k) => `custom.${k}`));
  for (const o of fc.overrides) {
    if (!g.fieldMatchers.getIfExists(o.matcher.id)) {
      errors.push(`override matcher ${o.matcher.id} is not one of Grafana's`);
    }
    for (const p of o.properties) {
      if (p.id.startsWith('custom.')) {
        custom.add(p.id);
      } else if (!registry.getIfExists(p.id)) {
        errors.push(`override property ${p.id} is not one of Grafana's`);
      }
      if (p.id === 'unit') errors.push(...unitErrors(p.value));
    }
  }
  for (const id of custom) {
    registry.register({ id, path: id.slice('custom.'.length), name: id, isCustom: true, process: g.identityOverrideProcessor, shouldApply: always, override: {}, editor: {} });
  }
  const calcs = panel.options?.reduceOptions?.calcs ?? [];
  for (const c of calcs) {
    if (!g.fieldReducers.getIfExists(c)) errors.push(`reducer ${c} is not one of Grafana's`);
  }
  if (errors.length) {
    return { errors, fields: [] };
  }

  frames = g.applyFieldOverrides({
    data: frames,
    fieldConfig: fc,
    fieldConfigRegistry: registry,
    replaceVariables: (v) => v,
    theme,
    timeZone: 'utc',
  });
  const fields = [];
  for (const frame of frames) {
    for (const field of frame.fields) {
      if (field.type === g.FieldType.time) continue;
      // A stat or bar gauge shows its reduced value, a table every row,
      // a time series its last point.
      let values = field.values;
      if (calcs.length) {
        values = [g.reduceField({ field, reducers: calcs })[calcs[0]]];
      }
      const display = field.display ?? g.getDisplayProcessor({ field, theme });
      fields.push({
        header: g.getFieldDisplayName(field, frame, frames),
        name: field.name,
        labels: field.labels ?? {},
        unit: field.config.unit ?? '',
        min: field.config.min ?? null,
        max: field.config.max ?? null,
        colorMode: field.config.color?.mode ?? '',
        seriesColor: theme.visualization.getColorByName(g.getFieldSeriesColor(field, theme).color),
        values: Array.from(values, (raw) => {
          const d = display(raw);
          return { raw: typeof raw === 'number' && !Number.isFinite(raw) ? String(raw) : raw, text: g.formattedValueToString(d), color: d.color ? theme.visualization.getColorByName(d.color) : '' };
        }),
      });
    }
  }
  return { errors, fields };
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const { dashboards, answers } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const panels = [];
  for (const d of dashboards) {
    for (const p of d.panels) {
      let result;
      try {
        result = await render(d, p, answers);
      } catch (e) {
        result = { errors: [String(e && e.stack || e)], fields: [] };
      }
      panels.push({ uid: d.uid, id: p.id, title: p.title, type: p.type, ...result });
    }
  }
  process.stdout.write(JSON.stringify({ panels }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
