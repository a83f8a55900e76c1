// Known issues on /request/new (incidents/_known_issues.html): show the open incidents of
// the type the member picked, and of the picked place's building when the form asks for a
// place; and tell the join view which "Add us to it" was pressed (submit-once.js disables
// the pressed button, and a disabled button's name is not sent).
const box = document.querySelector("[data-known-issues]");
const form = box && box.closest("form");

if (form) {
  const premisesBuildings = JSON.parse(box.dataset.premisesBuildings || "{}");
  const joinField = box.querySelector("[data-incident-join]");

  const selectedType = () => form.querySelector("input[name=type]:checked")?.value || "";

  const selectedBuilding = () => {
    const place = form.elements.namedItem("location");
    if (!place || !place.value) return "";
    return String(premisesBuildings[place.value] ?? "");
  };

  const refresh = () => {
    const type = selectedType();
    const building = selectedBuilding();
    let shown = 0;
    for (const issue of box.querySelectorAll("[data-known-issue]")) {
      const visible =
        type !== "" && issue.dataset.type === type && (!building || issue.dataset.building === building);
      issue.hidden = !visible;
      issue.classList.toggle("d-flex", visible);
      shown += visible ? 1 : 0;
    }
    box.hidden = shown === 0;
  };

  form.addEventListener("change", (event) => {
    if (event.target.name === "type" || event.target.name === "location") refresh();
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[type=submit]");
    if (button) joinField.value = button.matches("[data-join-incident]") ? button.value : "";
  });
  refresh();
}
