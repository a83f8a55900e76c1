// Counts the lock-out down so the user sees when to come back; the server decides, this
// only informs. (A block, so its names stay out of the page's global scope.)
{
  const secondsLeft = document.getElementById("seconds-left");
  let left = Number(secondsLeft.dataset.seconds);
  const timer = setInterval(() => {
    left -= 1;
    if (left <= 0) {
      clearInterval(timer);
      left = 0;
      document.getElementById("ready-text").hidden = false;
    }
    secondsLeft.textContent = String(left);
  }, 1000);
}
