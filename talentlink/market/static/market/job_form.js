// The job form offers the districts of the job's city: choosing a city hides the other city's
// districts (each option names its city in data-region) and clears a district left from before.
(function () {
  const region = document.getElementById("id_region");
  const district = document.getElementById("id_district");
  if (!region || !district) return;
  function offer() {
    for (const option of district.querySelectorAll("option[data-region]")) {
      const other = region.value !== "" && option.dataset.region !== region.value;
      option.hidden = other;
      option.disabled = other;
      if (other && option.selected) district.value = "";
    }
    for (const group of district.querySelectorAll("optgroup")) {
      group.hidden = !group.querySelector("option:not([hidden])");
    }
  }
  region.addEventListener("change", offer);
  offer();
})();
