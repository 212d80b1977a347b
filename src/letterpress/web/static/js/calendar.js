// The calendar's small conveniences; every form works without them.
// - a select marked data-autosubmit submits its form when changed (whose calendar);
// - the new-event form's counterparty field suggests names of counterparties as one types.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }

  const list = document.getElementById("counterparty-names");
  const input = list && document.querySelector(`input[list="${list.id}"]`);
  if (!input) {
    return;
  }
  let timer = null;
  let asked = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = input.value.trim();
      if (text.length < 2 || text === asked) {
        return;
      }
      asked = text;
      try {
        const url = `${list.dataset.source}?q=${encodeURIComponent(text)}`;
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (!response.ok) {
          return;
        }
        const names = await response.json();
        list.replaceChildren(...names.map((name) => {
          const option = document.createElement("option");
          option.value = name;
          return option;
        }));
      } catch (error) {
        // a suggestion is a convenience: the form still takes a typed name
      }
    }, 250);
  });
});
