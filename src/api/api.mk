# api.mk - build glue for src/api (included by the Makefile).
#
# The coverage page's map is generated from the npm packages pinned in src/api/usmap/ into
# build/gen/us_map.inc (see gen-usmap.sh; a clear WARNING and no map when npm is unavailable,
# retried by the next make) and compiled into usmap.o, which serves it at /us-map.json.
USMAP_INC := build/gen/us_map.inc

$(B)/obj/src/api/usmap.o: $(USMAP_INC)

$(USMAP_INC): src/api/usmap/package.json src/api/usmap/package-lock.json src/api/usmap/project.mjs \
              src/api/gen-usmap.sh src/gen/npm-pinned.bash | deps
	@bash src/api/gen-usmap.sh $@
