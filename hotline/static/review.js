// The voicemail player (templates/review/_player.html): the word being spoken is highlighted
// while the audio plays, a click on a word seeks there, the speed buttons set the rate.
// Keyboard on the review page: space plays or pauses, the left arrow goes back 5 s,
// Ctrl+Enter (Cmd+Enter on a Mac) saves, marks reviewed and opens the next voicemail.
(function () {
  "use strict";

  function setUp(player) {
    var audio = player.querySelector("audio.player-audio");
    var words = Array.prototype.slice.call(player.querySelectorAll(".transcript-words .word"));
    var times = words.map(function (word) {
      return { start: parseFloat(word.dataset.start), end: parseFloat(word.dataset.end) };
    });
    var shown = -1;

    function spokenAt(t) {
      // Words are in time order: the last one started by t, if it has not ended long ago.
      var low = 0, high = times.length - 1, found = -1;
      while (low <= high) {
        var mid = (low + high) >> 1;
        if (times[mid].start <= t) { found = mid; low = mid + 1; } else { high = mid - 1; }
      }
      if (found >= 0 && t > times[found].end + 0.3) { return -1; }
      return found;
    }

    function show(index) {
      if (index === shown) { return; }
      if (shown >= 0) {
        words[shown].classList.remove("now");
        words[shown].removeAttribute("aria-current");
      }
      shown = index;
      if (index >= 0) {
        words[index].classList.add("now");
        words[index].setAttribute("aria-current", "true");
      }
    }

    if (!audio) { return null; }
    var frame = 0;
    function follow() {
      show(spokenAt(audio.currentTime));
      frame = audio.paused ? 0 : window.requestAnimationFrame(follow);
    }
    audio.addEventListener("play", function () {
      if (!frame) { frame = window.requestAnimationFrame(follow); }
    });
    audio.addEventListener("timeupdate", function () { show(spokenAt(audio.currentTime)); });
    audio.addEventListener("seeked", function () { show(spokenAt(audio.currentTime)); });

    words.forEach(function (word, index) {
      word.classList.add("seekable");
      word.addEventListener("click", function () {
        audio.currentTime = times[index].start;
        show(index);
        if (audio.paused) { audio.play().catch(function () { /* autoplay refused */ }); }
      });
    });

    Array.prototype.forEach.call(player.querySelectorAll(".player-rate"), function (button) {
      button.addEventListener("click", function () {
        audio.playbackRate = parseFloat(button.dataset.rate);
        Array.prototype.forEach.call(player.querySelectorAll(".player-rate"), function (other) {
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
      });
    });
    return audio;
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT" || tag === "BUTTON" ||
      (target && target.isContentEditable);
  }

  function start() {
    var players = document.querySelectorAll(".voicemail-player");
    var audio = null;
    Array.prototype.forEach.call(players, function (player) {
      if (player.dataset.ready) { return; }
      player.dataset.ready = "1";
      audio = setUp(player) || audio;
    });
    var form = document.querySelector("form.correction-form");
    if (!audio && !form) { return; }
    document.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && form) {
        event.preventDefault();
        var next = form.querySelector("button.save-next");
        if (form.requestSubmit) { form.requestSubmit(next); } else { next.click(); }
        return;
      }
      if (!audio || typing(event.target) || event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      if (event.key === " " || event.code === "Space") {
        event.preventDefault();
        if (audio.paused) { audio.play().catch(function () {}); } else { audio.pause(); }
      } else if (event.key === "ArrowLeft") {
        event.preventDefault();
        audio.currentTime = Math.max(0, audio.currentTime - 5);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
