// The public report page: a filter box over the communities' list. Without this script the
// list works as a plain select; with it, typing narrows the options (rebuilt, not hidden, so
// every phone browser shows only the matches).
(function () {
  "use strict";
  var filter = document.getElementById("community-filter");
  var select = document.getElementById("community");
  if (!filter || !select) { return; }
  var options = Array.prototype.slice.call(select.options).map(function (option) {
    return { value: option.value, text: option.text };
  });
  filter.hidden = false;
  filter.addEventListener("input", function () {
    var wanted = filter.value.trim().toLowerCase();
    var chosen = select.value;
    select.textContent = "";
    options.forEach(function (option) {
      if (option.value === "" || option.text.toLowerCase().indexOf(wanted) !== -1) {
        var element = new Option(option.text, option.value, false, option.value === chosen);
        select.appendChild(element);
      }
    });
    var matches = select.options.length - 1;
    if (matches === 1) { select.selectedIndex = 1; }
  });
}());
