// The queue: a "select every item on this page" box for bulk actions. Without JavaScript the
// items are ticked one by one, or the bulk applies to the whole filter.
(function () {
  "use strict";
  var all = document.getElementById("select-page");
  if (!all) {
    return;
  }
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="objekt"]'));
  all.hidden = false;
  function sync() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = ticked === boxes.length && boxes.length > 0;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) { box.addEventListener("change", sync); });
  sync();
})();
