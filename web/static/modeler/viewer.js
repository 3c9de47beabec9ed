/* 只读流程图：bpmn-js navigated viewer；data-markers 给出要标记的元素（试运行中的待办、已办）。 */
(function () {
  "use strict";
  var container = document.getElementById("viewer");
  if (!container) return;
  var viewer = new BpmnJS({ container: container, moddleExtensions: { spiffworkflow: window.SPIFFWORKFLOW_MODDLE } });
  window.liandongViewer = viewer;
  var markers = container.dataset.markers ? JSON.parse(container.dataset.markers) : {};
  fetch(container.dataset.url, { credentials: "same-origin" })
    .then(function (r) { return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      Object.keys(markers).forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, markers[id]); });
      container.dataset.ready = "1";
    })
    .catch(function (err) { container.textContent = "流程图无法显示：" + (err && err.message ? err.message : err); });
})();
