/* Workspaces: small progressive enhancements; every page works without this file. */
(function () {
  // Show the chosen picture before upload; the server still decides whether it is acceptable.
  var input = document.querySelector('#image-form input[type="file"]');
  var box = document.getElementById('image-preview');
  if (!input || !box || !window.FileReader) { return; }
  input.addEventListener('change', function () {
    box.textContent = '';
    var file = input.files && input.files[0];
    if (!file) { return; }
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) {
      var p = document.createElement('p');
      p.className = 'errors';
      p.textContent = input.dataset.wrongType || 'Only JPEG, PNG and WebP images are accepted.';
      box.appendChild(p);
      return;
    }
    // A data: URL, since the site's Content-Security-Policy allows data: images but not blob:.
    var reader = new FileReader();
    reader.onload = function () {
      var img = document.createElement('img');
      img.alt = input.dataset.previewAlt || 'Preview';
      img.src = reader.result;
      box.appendChild(img);
    };
    reader.readAsDataURL(file);
  });
})();
