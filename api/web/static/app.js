// Officer app: show a finding's evidence on the page image, with every box of that finding on the
// same page outlined and the chosen one highlighted. Boxes are fractions of the page (server-computed).
(function () {
  const viewer = document.getElementById("viewer");
  if (!viewer) return;
  const image = document.getElementById("page-image");
  const layer = document.getElementById("box-layer");
  const caption = document.getElementById("viewer-caption");

  function boxesOn(finding, src) {
    return Array.from(finding.querySelectorAll(".show-evidence"))
      .filter((b) => b.dataset.src === src && b.dataset.box);
  }

  function show(button) {
    const finding = button.closest(".finding");
    document.querySelectorAll(".finding.selected").forEach((f) => f.classList.remove("selected"));
    finding.classList.add("selected");
    viewer.hidden = false;
    caption.textContent = button.dataset.caption || "";
    layer.replaceChildren();
    for (const other of boxesOn(finding, button.dataset.src)) {
      const [left, top, width, height] = other.dataset.box.split(",").map(Number);
      const box = document.createElement("div");
      box.className = other === button ? "evidence-box active" : "evidence-box";
      box.dataset.testid = "evidence-box";
      box.style.left = `${left * 100}%`;
      box.style.top = `${top * 100}%`;
      box.style.width = `${width * 100}%`;
      box.style.height = `${height * 100}%`;
      box.title = other.dataset.caption || "";
      layer.appendChild(box);
    }
    if (image.getAttribute("src") !== button.dataset.src) image.src = button.dataset.src;
    const active = layer.querySelector(".evidence-box.active");
    const wrap = document.getElementById("page-wrap");
    // Scroll the viewer only (not the page) so the highlighted box sits in its middle.
    const scroll = () => {
      if (!active) return;
      wrap.scrollTop = active.offsetTop - wrap.clientHeight / 2 + active.offsetHeight / 2;
      wrap.scrollLeft = active.offsetLeft - wrap.clientWidth / 2 + active.offsetWidth / 2;
    };
    if (image.complete) scroll(); else image.addEventListener("load", scroll, { once: true });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".show-evidence");
    if (button) { show(button); return; }
    const head = event.target.closest(".finding-head");
    if (head) {
      const first = head.closest(".finding").querySelector(".show-evidence");
      if (first) show(first);
    }
  });
  document.addEventListener("keydown", (event) => {
    const head = event.target.closest && event.target.closest(".finding-head");
    if (head && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); head.click(); }
  });
  document.getElementById("viewer-close").addEventListener("click", () => { viewer.hidden = true; });

  // After a review the page comes back scrolled to that finding: select it again.
  const reviewed = new URLSearchParams(location.search).get("reviewed");
  if (reviewed) {
    const finding = document.getElementById(`finding-${reviewed}`);
    if (finding) finding.classList.add("selected");
  }
})();
