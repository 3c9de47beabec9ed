/* 页面通用行为（内容安全策略不允许内联脚本和内联样式，故在此实现）：
   form[data-confirm] 提交前请用户确认；[data-width] 按百分比设置宽度（统计条形图）；
   地址中的 #op-… 指向的操作表单自动展开（如“已办”里的“撤回”、“待我签署”里的“签署意见”）；
   textarea[data-max-length] 下方显示已输入字数，超出上限时标红（不截断：粘贴的内容不会悄悄丢失）；
   .file-pick 里选中的附件名用中文列出（浏览器自带的文件按钮随浏览器语言显示）。 */
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
  document.addEventListener("change", function (event) {
    var input = event.target;
    var pick = input.closest && input.closest(".file-pick");
    if (!pick || !input.files) return;
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    pick.querySelector(".file-names").textContent = names.length ? "已选择 " + names.length + " 个：" + names.join("、") : "未选择文件";
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
