#!/bin/sh
# Trust the organisation's certificate authorities inside the image.
#
# HTTPS leaving the organisation passes an interception proxy, so pip during the
# build and any HTTPS client in a user's server (pip, requests, the data collectors)
# fail with CERTIFICATE_VERIFY_FAILED unless the proxy's CA is trusted in the
# container too. build.py copies the build host's CA bundle into the context; only
# the certificates the image does not already trust are added, one file each, so
# update-ca-certificates hashes them and adds them to the system bundle.
#
# Usage: install-org-ca.sh BUNDLE
set -eu

bundle=$1
system_bundle=/etc/ssl/certs/ca-certificates.crt
dest=/usr/local/share/ca-certificates/seoul-data-hub
work=$(mktemp -d)

# One line per certificate: its base64 body without line breaks.
pem_bodies() {
    awk '/-----BEGIN CERTIFICATE-----/ { body = ""; inside = 1; next }
         /-----END CERTIFICATE-----/   { if (inside) print body; inside = 0; next }
         inside                        { gsub(/[ \t\r]/, ""); body = body $0 }' "$1"
}

pem_bodies "$bundle" | sort -u >"$work/wanted"
if [ -f "$system_bundle" ]; then
    pem_bodies "$system_bundle" | sort -u >"$work/trusted"
else
    : >"$work/trusted"
fi

mkdir -p "$dest"
count=0
for body in $(comm -23 "$work/wanted" "$work/trusted"); do
    count=$((count + 1))
    {
        echo "-----BEGIN CERTIFICATE-----"
        echo "$body" | fold -w 64
        echo "-----END CERTIFICATE-----"
    } >"$dest/org-ca-$count.crt"
done
rm -rf "$work"
echo "install-org-ca: $count certificate(s) added from the build host's bundle"
update-ca-certificates
