# fraud.mk - build glue for src/fraud (included by the Makefile).
#
# The provider rules file is compiled in with .incbin, so the object depends on it. The
# disposable-domain list is generated from the npm package pinned in src/fraud/disposable/
# into build/gen/email_disposable.inc (see gen-disposable.sh; a clear WARNING and no list
# when npm is unavailable, retried by the next make).
EMAIL_DISPOSABLE_INC := build/gen/email_disposable.inc

$(B)/obj/src/fraud/email_rules.o: src/fraud/email-rules.tsv
$(B)/obj/src/fraud/email_disposable.o: $(EMAIL_DISPOSABLE_INC)

$(EMAIL_DISPOSABLE_INC): src/fraud/disposable/package.json src/fraud/disposable/package-lock.json \
                         src/fraud/gen-disposable.sh src/gen/npm-pinned.bash | deps
	@bash src/fraud/gen-disposable.sh $@
