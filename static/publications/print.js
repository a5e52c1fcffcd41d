// The print button of the A4 notice (a script file: the page's CSP allows no inline handlers).
document.getElementById('print-button').addEventListener('click', function () { window.print(); });
