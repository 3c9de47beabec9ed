/* 页面通用行为（内容安全策略不允许内联脚本和内联样式，故在此实现）：
   form[data-confirm] 提交前请用户确认；[data-width] 按百分比设置宽度（统计条形图）；
   地址中的 #op-… 指向的操作表单自动展开（如“已办”里的“撤回”、“待我签署”里的“签署意见”）；
   textarea[data-max-length] 下方显示已输入字数，超出上限时标红（不截断：粘贴的内容不会悄悄丢失）。 */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
    var busy = event.target.closest("form[data-busy]");  // a step that issues documents takes seconds
    if (busy && !event.defaultPrevented) {
      var note = busy.querySelector(".busy-note") || document.createElement("p");
      note.className = "busy-note hint-box"; note.setAttribute("role", "status"); note.textContent = busy.dataset.busy;
      busy.appendChild(note);
      window.setTimeout(function () {  // after the browser took the pressed button's value
        busy.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    }
  });
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
  }
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("textarea[data-max-length]")) return;
    var count = box.parentElement.querySelector(".text-count");
    if (!count) return;
    var max = parseInt(box.dataset.maxLength, 10);
    count.textContent = box.value.length + "/" + max + "字" + (box.value.length > max ? "，超出" + (box.value.length - max) + "字" : "");
    count.classList.toggle("over", box.value.length > max);
  });
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", function () {
    openTarget();
    document.querySelectorAll("[data-width]").forEach(function (el) {
      var percent = parseFloat(el.dataset.width);
      if (isFinite(percent)) el.style.width = Math.max(0, Math.min(100, percent)) + "%";
    });
  });
})();
