// Repair intake with JavaScript. Without it the phone field belongs to the lookup form
// (Enter there loads the page with the matches) and the intake form sends the number
// last looked up; here the field joins the intake form instead, and Enter in it looks the
// number up in place, as typing does, rather than saving the order.
(function () {
  'use strict';
  var phone = document.getElementById('phone');
  if (!phone) {
    return;
  }
  var lookedUp = document.getElementById('phone-looked-up');
  if (lookedUp) {
    lookedUp.remove();
  }
  phone.removeAttribute('form');
  // The note for an open order starts as the symptom just typed: typing goes after it.
  var note = document.getElementById('note');
  if (note) {
    note.setSelectionRange(note.value.length, note.value.length);
  }
  phone.addEventListener('keydown', function (e) {
    // Enter that confirms an input method's composition is not ours.
    if (e.key !== 'Enter' || e.isComposing || e.keyCode === 229) {
      return;
    }
    e.preventDefault();
    htmx.trigger(phone, 'search');
  });
  // A number typed before the page's scripts ran is looked up once htmx is ready.
  htmx.onLoad(function (elt) {
    if (elt === document.body && phone.value !== phone.defaultValue) {
      htmx.trigger(phone, 'search');
    }
  });
  // The form is submitted from Enter's keypress, which some input sources send even when
  // keydown was cancelled.
  phone.addEventListener('keypress', function (e) {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
    }
  });
})();
