/* 页面通用行为（内容安全策略不允许内联脚本和内联样式，故在此实现）：
   form[data-confirm] 提交前请用户确认；[data-width] 按百分比设置宽度（统计条形图）。 */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-width]").forEach(function (el) {
      var percent = parseFloat(el.dataset.width);
      if (isFinite(percent)) el.style.width = Math.max(0, Math.min(100, percent)) + "%";
    });
  });
})();
