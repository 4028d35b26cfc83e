{#- The upload part every script shares. Values come in shell-quoted (the `sh` filter)
    and nothing else of the account is written into the script, comments included. -#}
set -euo pipefail

UPLOAD_URL={{ upload_url | sh }}
UPLOAD_TOKEN={{ token | sh }}
UPLOAD_DOMAIN={{ domain | sh }}
UPLOAD_USER={{ username | sh }}

# Uploads the file $1 and prints its link (copied to the clipboard when a tool is there).
upload() {
    local file=$1 name response link
    name=$(basename -- "$file")
    name=${name//[^A-Za-z0-9._-]/_}
    response=$(curl --silent --show-error --fail-with-body --globoff \
        --header "Authorization: Bearer ${UPLOAD_TOKEN}" \
        --form "file=@-;filename=${name}" \
        --form-string "domain=${UPLOAD_DOMAIN}" \
        -- "${UPLOAD_URL}" < "$file") || {
        printf 'upload failed: %s\n' "${response:-no answer}" >&2
        return 1
    }
    link=$(printf '%s' "$response" | sed -n 's/.*"url"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
    if [ -z "$link" ]; then
        printf 'unexpected answer: %s\n' "$response" >&2
        return 1
    fi
    printf 'uploaded as %s to %s\n' "$UPLOAD_USER" "$UPLOAD_DOMAIN" >&2
    printf '%s\n' "$link"
    if command -v wl-copy > /dev/null 2>&1 && [ -n "${WAYLAND_DISPLAY:-}" ]; then
        printf '%s' "$link" | wl-copy
    elif command -v xclip > /dev/null 2>&1 && [ -n "${DISPLAY:-}" ]; then
        printf '%s' "$link" | xclip -selection clipboard
    fi
}
