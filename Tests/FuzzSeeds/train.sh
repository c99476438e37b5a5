echo "$XGRAPH_NODE" >> ran.log
