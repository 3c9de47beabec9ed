// Draws a matter's diagram with bpmn-js and marks completed, active and errored elements;
// multi-instance elements get a count badge.
(function () {
  const box = document.getElementById('diagram');
  if (!box || typeof BpmnJS === 'undefined') { return; }
  const state = JSON.parse(box.dataset.diagram);
  const viewer = new BpmnJS({ container: box });
  viewer.importXML(state.xml).then(function () {
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    const overlays = viewer.get('overlays');
    canvas.zoom('fit-viewport');
    const mark = function (ids, css) {
      ids.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, css); } });
    };
    mark(state.completed, 'ld-done');
    mark(state.active, 'ld-active');
    mark(state.errored, 'ld-error');
    Object.keys(state.counts).forEach(function (id) {
      if (!registry.get(id)) { return; }
      const c = state.counts[id];
      const text = Object.keys(c).map(function (k) { return (state.labels[k] || '其他') + ' ' + c[k]; }).join(' · ');
      overlays.add(id, { position: { bottom: 14, right: 0 }, html: '<div class="ld-count">' + text + '</div>' });
    });
    box.dataset.ready = 'true';
  }).catch(function (err) { box.textContent = '流程图无法显示：' + err.message; });
})();
