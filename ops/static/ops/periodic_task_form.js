/* The periodic task form: show the chosen crontab in words under its field (django-celery-beat's
   behaviour, from a file instead of its inline script, which the Content-Security-Policy blocks). */
(function () {
  "use strict";
  const data = document.getElementById("readable-crontabs");
  const select = document.getElementById("id_crontab");
  if (!data || !select) return;
  const readable = JSON.parse(data.textContent);
  const help = document.querySelector(".field-crontab .help");
  const original = help ? help.textContent : "";
  const translation = document.querySelector(".field-crontab_translation");
  if (translation) translation.style.display = "none";
  select.addEventListener("change", function () {
    if (!help) return;
    help.textContent = original;
    help.appendChild(document.createElement("br"));
    help.appendChild(document.createTextNode("Translation: " + (readable[select.value] || "")));
  });
})();
