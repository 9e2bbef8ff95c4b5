// Once a passkey is added, go on to the page its section names (Mina faktorer).
document.addEventListener("otp_webauthn.register_complete", () => {
  const next = document.getElementById("passkey-registration")?.dataset.next;
  if (next) {
    window.location.assign(next);
  }
});
