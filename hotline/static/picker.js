// People pickers (templates/picker.html): type a name (王芳) or some digits of a number and the
// field offers matching volunteers from its data-picker search URL (JSON), each shown with its
// team (or "technician") and masked number. Choosing one fills "name #id", which the server reads unambiguously.
// A field with data-picker-into adds each chosen person as a new line of that textarea
// (a rotation's members). Without JavaScript the fields still take a name or a number.
(function () {
  "use strict";

  var DELAY_MS = 200;

  function setUp(input) {
    // A page with several pickers loads this file once per picker: set each field up once.
    if (input.dataset.pickerReady) { return; }
    input.dataset.pickerReady = "1";
    var list = document.getElementById(input.getAttribute("list"));
    var source = input.dataset.picker;
    var into = input.dataset.pickerInto ? document.getElementById(input.dataset.pickerInto) : null;
    var labels = [];
    var timer = null;
    var asked = "";

    function fill(people) {
      list.textContent = "";
      labels = people.map(function (person) { return person.label; });
      people.forEach(function (person) {
        var option = document.createElement("option");
        option.value = person.label;
        var kind = person.technician ? input.dataset.pickerTechnician : person.team;
        option.textContent = [kind, person.masked].filter(Boolean).join(" · ");
        list.appendChild(option);
      });
    }

    function search() {
      var text = input.value.trim();
      if (!text || text === asked || labels.indexOf(input.value) >= 0) { return; }
      asked = text;
      var url = new URL(source, window.location.href);
      url.searchParams.set("q", text);
      fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : { people: [] }; })
        .then(function (answer) { if (asked === text) { fill(answer.people); } })
        .catch(function () { fill([]); });
    }

    function chosen() {
      if (!into || labels.indexOf(input.value) < 0) { return; }
      var lines = into.value.replace(/\s+$/, "");
      into.value = (lines ? lines + "\n" : "") + input.value + "\n";
      input.value = "";
      asked = "";
      fill([]);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      if (labels.indexOf(input.value) >= 0) { chosen(); return; }
      timer = setTimeout(search, DELAY_MS);
    });
    input.addEventListener("change", chosen);
    // Enter in the helper field adds the person instead of submitting the form.
    input.addEventListener("keydown", function (event) {
      if (into && event.key === "Enter") { event.preventDefault(); chosen(); }
    });
  }

  document.querySelectorAll("input[data-picker]").forEach(setUp);
})();
